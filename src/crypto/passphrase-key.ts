import { randomBytes, scrypt } from 'node:crypto';

// scrypt with N = 2^17, r = 8, p = 1 (OWASP Password Storage Cheat Sheet; ASVS 11.4.2 key derivation).
// Constants, never taken from input or from the store.
const SCRYPT_N = 2 ** 17;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const SCRYPT_MAXMEM = 256 * 1024 * 1024;
export const PASSPHRASE_SALT_BYTES = 16;
export const MIN_PASSPHRASE_LENGTH = 16;

export function newPassphraseSalt(): Buffer {
  return randomBytes(PASSPHRASE_SALT_BYTES);
}

/** Derives the 32-byte master key from a passphrase and its stored salt. */
export function deriveMasterKey(passphrase: string, salt: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFKC'),
      salt,
      32,
      { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P, maxmem: SCRYPT_MAXMEM },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}
