import { KEY_BYTES, open, seal } from './aead.js';
import { associatedData } from './associated-data.js';

/**
 * Holds the master key and wraps/unwraps the keys below it. Callers never see the master key, so an
 * external KMS (OpenBao/Vault transit, AWS KMS) can implement this without changing any caller.
 */
export interface KeyProvider {
  /** Human-readable description without secrets, e.g. "key file" or "passphrase". */
  readonly description: string;
  wrap(plaintext: Uint8Array, context: string): Promise<Buffer>;
  /** Null when the wrapped key was altered or wrapped under another master key or context. */
  unwrap(wrapped: Uint8Array, context: string): Promise<Buffer | null>;
}

const WRAP_LABEL = 'trialvault/wrap/v1';

/** A key provider over a 32-byte master key held in process memory (key file or passphrase). */
export class LocalKeyProvider implements KeyProvider {
  readonly description: string;
  readonly #key: Buffer;

  constructor(masterKey: Uint8Array, description: string) {
    if (masterKey.length !== KEY_BYTES) throw new Error('master key must be 32 bytes');
    this.#key = Buffer.from(masterKey);
    this.description = description;
  }

  async wrap(plaintext: Uint8Array, context: string): Promise<Buffer> {
    return seal(this.#key, plaintext, associatedData(WRAP_LABEL, [context]));
  }

  async unwrap(wrapped: Uint8Array, context: string): Promise<Buffer | null> {
    return open(this.#key, wrapped, associatedData(WRAP_LABEL, [context]));
  }
}

/** Wraps a key under a key-encryption key held in memory (study keys wrapping participant keys). */
export function wrapKey(kek: Uint8Array, key: Uint8Array, context: string): Buffer {
  return seal(kek, key, associatedData(WRAP_LABEL, [context]));
}

export function unwrapKey(kek: Uint8Array, wrapped: Uint8Array, context: string): Buffer | null {
  const key = open(kek, wrapped, associatedData(WRAP_LABEL, [context]));
  return key !== null && key.length === KEY_BYTES ? key : null;
}
