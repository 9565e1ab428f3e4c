import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { type CborMap, encode } from '../../src/devices/cbor.js';

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest();

/**
 * A software WebAuthn authenticator (ES256, "none" attestation, user present and verified): what an
 * attacker's script can produce, so the adversary tests can forge origins, challenges and counters.
 */
export class SoftAuthenticator {
  readonly id = randomBytes(16);
  readonly #keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  counter = 0;

  constructor(readonly rpId: string) {}

  #cose(): Uint8Array {
    const jwk = this.#keys.publicKey.export({ format: 'jwk' });
    return encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x ?? '', 'base64url')],
        [-3, Buffer.from(jwk.y ?? '', 'base64url')],
      ]),
    );
  }

  #authData(attested: boolean, rpId: string): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    const flags = Buffer.from([0x01 | 0x04 | (attested ? 0x40 : 0)]);
    if (!attested) return Buffer.concat([sha256(rpId), flags, counter]);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(this.id.length);
    return Buffer.concat([sha256(rpId), flags, counter, Buffer.alloc(16), length, this.id, this.#cose()]);
  }

  /** navigator.credentials.create(), as RegistrationResponseJSON. */
  create(challenge: string, origin: string) {
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.create', challenge, origin, crossOrigin: false }),
    );
    const attestation: CborMap = new Map();
    attestation.set('fmt', 'none');
    attestation.set('attStmt', new Map());
    attestation.set('authData', this.#authData(true, this.rpId));
    const attestationObject = encode(attestation);
    return {
      id: b64u(this.id),
      rawId: b64u(this.id),
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get(), as AuthenticationResponseJSON; the counter advances unless told. */
  get(challenge: string, origin: string, options: { counter?: number; rpId?: string } = {}) {
    this.counter = options.counter ?? this.counter + 1;
    const authenticatorData = this.#authData(false, options.rpId ?? this.rpId);
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.get', challenge, origin, crossOrigin: false }),
    );
    const signature = sign(
      'sha256',
      Buffer.concat([authenticatorData, sha256(clientDataJSON)]),
      this.#keys.privateKey,
    );
    return {
      id: b64u(this.id),
      rawId: b64u(this.id),
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authenticatorData),
        signature: b64u(signature),
      },
      clientExtensionResults: {},
    };
  }
}
