import { hash, randomBytes, randomInt } from 'node:crypto';

/** Opaque bearer secrets: 256 random bits, shown once, stored only as SHA-256 (ASVS 7.2.3, 7.2.4). */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

// One-shot hashing: a Hash object per call costs several times the digest of a short secret, and the
// session token is hashed on every request.
export function secretHash(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

/** The same SHA-256 as text (base64): the in-memory cache key of a secret, never the secret itself. */
export function secretHashKey(secret: string): string {
  return hash('sha256', secret, 'base64');
}

/** The recovery-code alphabet: no 0/o, 1/l/i, easy to read back and type. */
export const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/**
 * Recovery codes: 10 characters of RECOVERY_ALPHABET (31 symbols, about 49.5 bits), shown as two groups
 * of five. Each character is drawn uniformly with crypto.randomInt (rejection sampling inside), not
 * `byte % 31`, which favoured the first 8 symbols (256 = 8 * 31 + 8; issue #12 finding 9).
 */
export function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}
