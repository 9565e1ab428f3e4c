import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { type CborMap, type CborValue, decodeStrict, encode, Tagged } from './cbor.js';
import { isMalleableForm, toLowS } from './signature-form.js';

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
  /** The algorithm, from the protected header (the device profile reads it nowhere else). */
  readonly alg: Algorithm;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

export type Sign1Failure =
  | 'not-tagged'
  | 'wrong-tag'
  | 'not-sign1'
  | 'protected-header-not-deterministic'
  | 'bad-protected-header'
  | 'empty-protected-header'
  | 'unprotected-header'
  | 'duplicate-header-label'
  | 'unknown-critical-header'
  | 'missing-alg'
  | 'unsupported-alg'
  | 'missing-kid'
  | 'detached-payload';

/**
 * Which COSE_Sign1 messages are accepted. `device`, for uploads: tagged, the unprotected header the
 * empty map, alg and kid in a non-empty protected header, so that nothing outside the signature can
 * be changed and one meaning has one byte string (RFC 9052 sections 3 and 4, RFC 8949 section
 * 4.2.1). `rfc9052`, for interoperability tests against the COSE working group examples only: what
 * RFC 9052 lets any recipient accept (untagged, headers in either bucket, both encodings of an empty
 * protected header, section 3).
 */
export type Sign1Profile = 'device' | 'rfc9052';

/** The labels this implementation understands; a `crit` naming any other is refused (RFC 9052 3.1). */
const UNDERSTOOD = new Set<number | string>([HEADER.alg, HEADER.crit, HEADER.ctyp, HEADER.kid]);
/** A kid is the device id (a UUID): a bound keeps a hostile kid out of the device lookup. */
export const MAX_KID_BYTES = 64;

type Parsed = { ok: true; value: Sign1 } | { ok: false; reason: Sign1Failure };

/** The structure of a decoded COSE_Sign1 under a profile, without looking at the signature. */
export function parseSign1(value: CborValue, profile: Sign1Profile): Parsed {
  const device = profile === 'device';
  let body = value;
  if (body instanceof Tagged) {
    if (body.tag !== COSE_SIGN1_TAG) return { ok: false, reason: 'wrong-tag' };
    body = body.value;
  } else if (device) {
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
    // The bstr wraps exactly one deterministic CBOR map: another encoding of the same header would be
    // another byte string with the same meaning (RFC 8949 section 4.2.1).
    const decoded = decodeStrict(protectedBytes);
    if (!decoded.ok) return { ok: false, reason: 'protected-header-not-deterministic' };
    if (!(decoded.value instanceof Map)) return { ok: false, reason: 'bad-protected-header' };
    protectedHeader = decoded.value;
  }
  // Nothing in the unprotected header is signed: whatever a relay adds there keeps the signature valid
  // and makes another byte string of the same upload. The device profile allows only the empty map.
  if (device && unprotectedHeader.size > 0) return { ok: false, reason: 'unprotected-header' };
  // h'' and h'a0' both mean "no protected header" and are signed alike (RFC 9052 sections 3, 4.4): two
  // encodings of one meaning. The device profile needs alg and kid protected, so it is never empty.
  if (device && protectedHeader.size === 0) return { ok: false, reason: 'empty-protected-header' };
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
  // RFC 9052 section 3.1: alg "MUST be authenticated where the ability to do so exists"; for a device
  // only the protected header (ASVS 9.1.2: the algorithm is not the sender's to choose unsigned).
  const alg = device
    ? protectedHeader.get(HEADER.alg)
    : (protectedHeader.get(HEADER.alg) ?? unprotectedHeader.get(HEADER.alg));
  if (alg === undefined) return { ok: false, reason: 'missing-alg' };
  if (alg !== ALG.EdDSA && alg !== ALG.ES256) return { ok: false, reason: 'unsupported-alg' };
  if (device) {
    const kid = protectedHeader.get(HEADER.kid);
    if (!(kid instanceof Uint8Array) || kid.length === 0 || kid.length > MAX_KID_BYTES)
      return { ok: false, reason: 'missing-kid' };
  }
  return {
    ok: true,
    value: { protectedBytes, protectedHeader, unprotectedHeader, alg, payload, signature },
  };
}

export function algorithmOf(message: Sign1): Algorithm {
  return message.alg;
}

/** The kid of a message parsed under the device profile: the protected one, never the unprotected. */
export function kidOf(message: Sign1): Uint8Array | undefined {
  const kid = message.protectedHeader.get(HEADER.kid);
  return kid instanceof Uint8Array ? kid : undefined;
}

/**
 * Sig_structure = ["Signature1", body_protected, external_aad, payload]. An empty protected map is
 * signed as a zero-length string however it was encoded (RFC 9052 section 4.4; the "Redo protected"
 * example of the COSE working group signs h'a0' so). Only the rfc9052 profile lets an empty protected
 * header through; the device profile refuses both encodings of it.
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
 * Ed25519 and Ed448 keys; ES256 takes the 64-byte r || s form of RFC 9053 section 2.1, low S only.
 */
export function verifySign1(message: Sign1, key: KeyObject, externalAad: Uint8Array): boolean {
  const alg = algorithmOf(message);
  // The second form of a valid signature is refused here too, whoever calls (signature-form.ts).
  if (isMalleableForm(alg === ALG.EdDSA ? 'EdDSA' : 'ES256', message.signature)) return false;
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

/**
 * Makes a tagged COSE_Sign1 with alg and kid in the protected header, the unprotected header empty and
 * an ES256 signature in its low-S form (the reference device client).
 */
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
  // node:crypto's ECDSA returns a high S about half the time: the low form is the one accepted.
  const signature =
    alg === ALG.EdDSA
      ? sign(null, data, privateKey)
      : toLowS(sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
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
