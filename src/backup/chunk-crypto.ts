import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * A backup chunk, encrypted to the backup public key (X25519): a fresh ephemeral key pair per chunk,
 * the shared secret through HKDF-SHA-256 to an AES-256-GCM key, the chunk id as associated data. The
 * server holds only the public key, so it can write backups but never read one (a compromised server
 * cannot read old backups); a chunk moved under another id fails to open.
 *   bytes 0-3   "TVC1"
 *   bytes 4-35  ephemeral X25519 public key (raw)
 *   bytes 36-47 nonce
 *   ...         ciphertext of the raw-deflated chunk, then the 16-byte tag
 */
const MAGIC = Buffer.from('TVC1');
const INFO = 'trialvault/backup/chunk/v1';
const RAW_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export function x25519Raw(publicKey: KeyObject): Buffer {
  return Buffer.from(publicKey.export({ format: 'der', type: 'spki' })).subarray(RAW_SPKI_PREFIX.length);
}

function x25519FromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([RAW_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

function chunkKey(shared: Buffer, ephemeral: Buffer, recipient: Buffer, id: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), `${INFO}/${id}`, 32));
}

/** The chunk's name: HMAC-SHA-256 under a key the target never sees, so names reveal no content hash. */
export function chunkId(idKey: Uint8Array, plaintext: Uint8Array): string {
  return createHmac('sha256', idKey).update(plaintext).digest('hex');
}

export function sealChunk(recipient: KeyObject, id: string, plaintext: Uint8Array): Buffer {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const ephemeral = x25519Raw(publicKey);
  const shared = diffieHellman({ privateKey, publicKey: recipient });
  const key = chunkKey(shared, ephemeral, x25519Raw(recipient), id);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(id));
  const body = Buffer.concat([cipher.update(deflateRawSync(plaintext, { level: 1 })), cipher.final()]);
  return Buffer.concat([MAGIC, ephemeral, nonce, body, cipher.getAuthTag()]);
}

/** The chunk's plaintext, or null when it was altered, truncated or stored under another id. */
export function openChunk(restoreKey: KeyObject, id: string, sealed: Uint8Array): Buffer | null {
  const data = Buffer.from(sealed);
  if (data.length < 4 + 32 + 12 + 16 || !data.subarray(0, 4).equals(MAGIC)) return null;
  const ephemeral = data.subarray(4, 36);
  const nonce = data.subarray(36, 48);
  const tag = data.subarray(data.length - 16);
  try {
    const shared = diffieHellman({ privateKey: restoreKey, publicKey: x25519FromRaw(ephemeral) });
    const key = chunkKey(shared, ephemeral, x25519Raw(createPublicKey(restoreKey)), id);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(tag);
    const compressed = Buffer.concat([
      decipher.update(data.subarray(48, data.length - 16)),
      decipher.final(),
    ]);
    return inflateRawSync(compressed);
  } catch {
    return null;
  }
}

export function newBackupKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('x25519');
}

export { createPrivateKey };
