import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// AES-256-GCM with a fresh random 96-bit nonce per message (NIST SP 800-38D 8.2.2; ASVS 11.3.2).
// Parameters are constants: nothing here is ever taken from input.
export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

// Nonces are drawn from a pool of CSPRNG output filled 4 KiB at a time (as Node's randomUUID does):
// one OpenSSL call per 341 nonces instead of one per value. Every nonce is used once.
const NONCE_POOL_BYTES = 4092;
let noncePool = Buffer.alloc(0);
let noncePoolOffset = 0;

function freshNonce(): Buffer {
  if (noncePoolOffset + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_POOL_BYTES);
    noncePoolOffset = 0;
  }
  const nonce = Buffer.from(noncePool.subarray(noncePoolOffset, noncePoolOffset + NONCE_BYTES));
  noncePoolOffset += NONCE_BYTES;
  return nonce;
}

/** Encrypts and authenticates: returns nonce || ciphertext || tag. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  return sealAfter(undefined, key, plaintext, aad);
}

/** `seal`, its output preceded by `header` (not encrypted), in one buffer: header || nonce || ciphertext || tag. */
export function sealAfter(
  header: Uint8Array | undefined,
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Buffer {
  if (key.length !== KEY_BYTES) throw new Error('seal: key must be 32 bytes');
  const nonce = freshNonce();
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  const tag = cipher.getAuthTag();
  return Buffer.concat(header === undefined ? [nonce, body, final, tag] : [header, nonce, body, final, tag]);
}

/** Decrypts nonce || ciphertext || tag; null when the tag, the key or the associated data do not match. */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer | null {
  if (key.length !== KEY_BYTES) throw new Error('open: key must be 32 bytes');
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return null;
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return null;
  }
}

export function randomKey(): Buffer {
  return randomBytes(KEY_BYTES);
}
