import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { type CborMap, type CborValue, decodeStrict, encode, Tagged } from './cbor.js';

/** COSE_Sign1 (RFC 9052 section 4.2) on node:crypto: EdDSA (-8) and ES256 (-7) only. */
export const COSE_SIGN1_TAG = 18;
export const HEADER = { alg: 1, crit: 2, ctyp: 3, kid: 4 } as const;
export const ALG = { EdDSA: -8, ES256: -7 } as const;
export type Algorithm = (typeof ALG)[keyof typeof ALG];

export interface Sign1 {
  /** The protected header exactly as received: the signature covers these bytes. */
  readonly protectedBytes: Uint8Array;
  readonly protectedHeader: CborMap;
  readonly unprotectedHeader: CborMap;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

export type Sign1Failure =
  | 'not-tagged'
  | 'wrong-tag'
  | 'not-sign1'
  | 'bad-protected-header'
  | 'duplicate-header-label'
  | 'unknown-critical-header'
  | 'missing-alg'
  | 'unsupported-alg'
  | 'detached-payload';

/** The labels this implementation understands; a `crit` naming any other is refused (RFC 9052 3.1). */
const UNDERSTOOD = new Set<number | string>([HEADER.alg, HEADER.crit, HEADER.ctyp, HEADER.kid]);

/** The structure of a decoded COSE_Sign1, without looking at the signature. */
export function parseSign1(
  value: CborValue,
  options: { requireTag: boolean },
): { ok: true; value: Sign1 } | { ok: false; reason: Sign1Failure } {
  let body = value;
  if (body instanceof Tagged) {
    if (body.tag !== COSE_SIGN1_TAG) return { ok: false, reason: 'wrong-tag' };
    body = body.value;
  } else if (options.requireTag) {
    return { ok: false, reason: 'not-tagged' };
  }
  if (!Array.isArray(body) || body.length !== 4) return { ok: false, reason: 'not-sign1' };
  const [protectedBytes, unprotectedHeader, payload, signature] = body;
  if (!(protectedBytes instanceof Uint8Array) || !(unprotectedHeader instanceof Map))
    return { ok: false, reason: 'not-sign1' };
  if (payload === null) return { ok: false, reason: 'detached-payload' };
  if (!(payload instanceof Uint8Array) || !(signature instanceof Uint8Array))
    return { ok: false, reason: 'not-sign1' };
  let protectedHeader: CborMap = new Map();
  if (protectedBytes.length > 0) {
    const decoded = decodeStrict(protectedBytes);
    if (!decoded.ok || !(decoded.value instanceof Map)) return { ok: false, reason: 'bad-protected-header' };
    protectedHeader = decoded.value;
  }
  for (const label of unprotectedHeader.keys()) {
    if (protectedHeader.has(label)) return { ok: false, reason: 'duplicate-header-label' };
  }
  // crit lives in the protected header and lists labels the recipient must understand.
  if (unprotectedHeader.has(HEADER.crit)) return { ok: false, reason: 'unknown-critical-header' };
  const crit = protectedHeader.get(HEADER.crit);
  if (crit !== undefined) {
    if (!Array.isArray(crit) || crit.length === 0) return { ok: false, reason: 'unknown-critical-header' };
    for (const label of crit) {
      if ((typeof label !== 'number' && typeof label !== 'string') || !UNDERSTOOD.has(label))
        return { ok: false, reason: 'unknown-critical-header' };
    }
  }
  const alg = protectedHeader.get(HEADER.alg) ?? unprotectedHeader.get(HEADER.alg);
  if (alg === undefined) return { ok: false, reason: 'missing-alg' };
  if (alg !== ALG.EdDSA && alg !== ALG.ES256) return { ok: false, reason: 'unsupported-alg' };
  return { ok: true, value: { protectedBytes, protectedHeader, unprotectedHeader, payload, signature } };
}

export function algorithmOf(message: Sign1): Algorithm {
  return (message.protectedHeader.get(HEADER.alg) ?? message.unprotectedHeader.get(HEADER.alg)) as Algorithm;
}

/**
 * Sig_structure = ["Signature1", body_protected, external_aad, payload]. An empty protected map is
 * signed as a zero-length string however it was encoded (RFC 9052 section 4.4).
 */
export function toBeSigned(
  protectedBytes: Uint8Array,
  externalAad: Uint8Array,
  payload: Uint8Array,
): Uint8Array {
  const body = protectedBytes.length === 1 && protectedBytes[0] === 0xa0 ? new Uint8Array(0) : protectedBytes;
  return encode(['Signature1', body, externalAad, payload]);
}

/**
 * Checks the signature with the key the verifier chose (never one named by the message). EdDSA covers
 * Ed25519 and Ed448 keys; ES256 takes the 64-byte r || s form of RFC 9053 section 2.1.
 */
export function verifySign1(message: Sign1, key: KeyObject, externalAad: Uint8Array): boolean {
  const alg = algorithmOf(message);
  const data = toBeSigned(message.protectedBytes, externalAad, message.payload);
  if (alg === ALG.EdDSA) {
    const type = key.asymmetricKeyType;
    if (type !== 'ed25519' && type !== 'ed448') return false;
    return verify(null, data, key, message.signature);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return false;
  if (message.signature.length !== 64) return false;
  return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, message.signature);
}

/** Makes a tagged COSE_Sign1 with alg and kid in the protected header (the reference device client). */
export function signSign1(
  privateKey: KeyObject,
  alg: Algorithm,
  kid: Uint8Array,
  payload: Uint8Array,
  externalAad: Uint8Array,
): Uint8Array {
  const protectedBytes = encode(
    new Map<number, CborValue>([
      [HEADER.alg, alg],
      [HEADER.kid, kid],
    ]),
  );
  const data = toBeSigned(protectedBytes, externalAad, payload);
  const signature =
    alg === ALG.EdDSA
      ? sign(null, data, privateKey)
      : sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return encode(new Tagged(COSE_SIGN1_TAG, [protectedBytes, new Map(), payload, signature]));
}

/** Device public keys arrive raw: 32 bytes for Ed25519, the 65-byte uncompressed point for P-256. */
export function publicKeyFromRaw(alg: Algorithm, raw: Uint8Array): KeyObject | undefined {
  try {
    if (alg === ALG.EdDSA) {
      if (raw.length !== 32) return undefined;
      return createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
        format: 'jwk',
      });
    }
    if (raw.length !== 65 || raw[0] !== 0x04) return undefined;
    return createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(raw.subarray(1, 33)).toString('base64url'),
        y: Buffer.from(raw.subarray(33)).toString('base64url'),
      },
      format: 'jwk',
    });
  } catch {
    // Not a point on the curve, or otherwise not a key: the caller answers with a typed error.
    return undefined;
  }
}

/** The raw public key of a device key pair, in the form `publicKeyFromRaw` takes. */
export function rawPublicKey(alg: Algorithm, privateKey: KeyObject): Uint8Array {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (alg === ALG.EdDSA) return Buffer.from(String(jwk.x), 'base64url');
  return Buffer.concat([
    Buffer.from([0x04]),
    Buffer.from(String(jwk.x), 'base64url'),
    Buffer.from(String(jwk.y), 'base64url'),
  ]);
}
