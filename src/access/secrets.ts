import { createHash, randomBytes } from 'node:crypto';

/** Opaque bearer secrets: 256 random bits, shown once, stored only as SHA-256 (ASVS 7.2.3, 7.2.4). */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function secretHash(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Recovery codes: 10 groups of random base32-ish characters, easy to type, 50 bits each. */
export function newRecoveryCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(10);
  let code = '';
  for (const byte of bytes) code += alphabet[byte % alphabet.length];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}
