/**
 * The one accepted form of a signature. A signature scheme is malleable when someone without the key
 * can turn a valid signature into another valid one over the same bytes: ECDSA always is (if (r, s)
 * verifies, so does (r, n - s)), EdDSA is when the verifier lets S reach or pass the group order L.
 * A relay that sends the other form first gets its copy accepted and the device's own bytes refused
 * as a replay (docs/telemetry.md). So only one form is accepted: ES256 with s <= n/2 ("low S", as
 * Bitcoin's BIP 146 and libsecp256k1 require; RFC 9053 section 2.1 does not, this is TrialVault's
 * profile), EdDSA with S < L (RFC 8032 sections 5.1.7 and 5.2.7, which OpenSSL also enforces).
 */

/** The order n of the P-256 group (FIPS 186-5, SEC 2). */
export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_ORDER = P256_ORDER >> 1n;
/** The order L of the Ed25519 base point (RFC 8032 section 5.1). */
export const ED25519_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
/** The order L of the Ed448 base point (RFC 8032 section 5.2). */
export const ED448_ORDER = 2n ** 446n - 13818066809895115352007386748515426880336692474882178609894547503885n;

const bigEndian = (bytes: Uint8Array): bigint =>
  bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
const littleEndian = (bytes: Uint8Array): bigint => bigEndian(Uint8Array.from(bytes).reverse());

/**
 * True when the signature has the right length for its algorithm but its S is the second form of a
 * valid signature: ES256 (r || s, 64 bytes) with s > n/2; Ed25519 (64 bytes) or Ed448 (114 bytes) with
 * S >= L. Other lengths are not a second form, just not a signature: verification refuses them.
 */
export function isMalleableForm(alg: 'EdDSA' | 'ES256', signature: Uint8Array): boolean {
  // The top byte decides all but about 1 in 2^8 (ES256) or 2^124 (EdDSA) cases without a bigint: the
  // check stays a small fraction of a verification (docs/telemetry.md, Measured).
  if (alg === 'ES256') {
    if (signature.length !== 64) return false;
    const top = signature[32] as number;
    if (top !== 0x7f) return top > 0x7f;
    return bigEndian(signature.subarray(32)) > P256_HALF_ORDER;
  }
  if (signature.length === 64) {
    const top = signature[63] as number;
    if (top !== 0x10) return top > 0x10;
    return littleEndian(signature.subarray(32)) >= ED25519_ORDER;
  }
  if (signature.length === 114) {
    // L448 is just below 2^446: S < L needs the last byte 0 and the one before it below 0x40.
    if (signature[113] !== 0 || (signature[112] as number) < 0x3f) return signature[113] !== 0;
    return littleEndian(signature.subarray(57)) >= ED448_ORDER;
  }
  return false;
}

/**
 * An ES256 signature (r || s) in its low-S form: s is replaced by n - s when above n/2. Both verify;
 * only the low form is accepted, so every signer normalises after signing (node:crypto and most
 * secure elements return either).
 */
export function toLowS(signature: Uint8Array): Uint8Array {
  if (signature.length !== 64) throw new Error('an ES256 signature is 64 bytes (r || s)');
  const s = bigEndian(signature.subarray(32));
  if (s <= P256_HALF_ORDER) return signature;
  const out = new Uint8Array(64);
  out.set(signature.subarray(0, 32));
  out.set(Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex'), 32);
  return out;
}
