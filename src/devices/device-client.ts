import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ALG, type Algorithm, rawPublicKey, signSign1 } from './cose-sign1.js';
import { encodeMessage, externalAad, type Sample } from './telemetry-message.js';

/**
 * The reference device client: what firmware or a phone app does, in ~60 lines to port. It keeps the
 * boot counter, the sequence number and the hash of the last message it sent, and signs each upload
 * as a COSE_Sign1 bound to its study, participant and server (docs/telemetry.md). When porting: alg and
 * kid go in the protected header, the unprotected header stays the empty map, everything is
 * deterministic CBOR, and an ES256 signature is sent low-S (if s > n/2, s = n - s; `toLowS`): the
 * server accepts exactly one byte string per upload, so a relay cannot make a second one.
 */
export interface DeviceIdentity {
  readonly deviceId: string;
  readonly studyId: string;
  readonly participantId: string;
  readonly audience: string;
  readonly alg: 'EdDSA' | 'ES256';
  readonly privateKey: KeyObject;
}

export class DeviceClient {
  boot: number;
  seq: number;
  prev: Uint8Array;
  readonly #aad: Uint8Array;
  readonly #alg: Algorithm;

  constructor(
    readonly identity: DeviceIdentity,
    state: { boot?: number; seq?: number; prev?: Uint8Array } = {},
  ) {
    this.boot = state.boot ?? 1;
    this.seq = state.seq ?? 0;
    this.prev = state.prev ?? new Uint8Array(32);
    this.#aad = externalAad(identity.studyId, identity.participantId, identity.audience);
    this.#alg = identity.alg === 'EdDSA' ? ALG.EdDSA : ALG.ES256;
  }

  /** A new key pair for enrollment: Ed25519, or P-256 for secure elements that only do ECDSA. */
  static generateKey(alg: 'EdDSA' | 'ES256'): KeyObject {
    return alg === 'EdDSA'
      ? generateKeyPairSync('ed25519').privateKey
      : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  }

  /** The public key as the enrollment endpoint takes it (base64url, raw). */
  static publicKey(alg: 'EdDSA' | 'ES256', privateKey: KeyObject): string {
    return Buffer.from(rawPublicKey(alg === 'EdDSA' ? ALG.EdDSA : ALG.ES256, privateKey)).toString(
      'base64url',
    );
  }

  /** After a restart: a higher boot counter, the sequence starting again at 0. */
  reboot(): void {
    this.boot += 1;
    this.seq = 0;
  }

  /** The signed bytes of the next upload; the client's chain moves on as if it was sent. */
  upload(samples: readonly Sample[], sent = Date.now()): Uint8Array {
    const payload = encodeMessage({
      device: this.identity.deviceId,
      boot: this.boot,
      seq: this.seq,
      prev: this.prev,
      sent,
      samples,
    });
    const bytes = signSign1(
      this.identity.privateKey,
      this.#alg,
      Buffer.from(this.identity.deviceId, 'utf8'),
      payload,
      this.#aad,
    );
    this.seq += 1;
    this.prev = createHash('sha256').update(bytes).digest();
    return bytes;
  }
}
