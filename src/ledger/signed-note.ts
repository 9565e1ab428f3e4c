import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 signatures, and the C2SP checkpoint
 * body (https://c2sp.org/tlog-checkpoint): origin, tree size, base64 root hash, then extension lines.
 */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
  /** Server UTC time the checkpoint was made, carried as the extension line "time <ISO 8601>". */
  readonly time: string;
}

const ED25519_SIGNATURE_TYPE = 0x01;
const EM_DASH = '\u2014';

export function publicKeyBytes(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('not an Ed25519 public key');
  return Buffer.from(jwk.x, 'base64url');
}

/** The 4-byte key ID: SHA-256(name || 0x0A || 0x01 || public key), first four bytes. */
export function keyId(name: string, publicKey: KeyObject): Buffer {
  return createHash('sha256')
    .update(Buffer.from(`${name}\n`, 'utf8'))
    .update(Buffer.from([ED25519_SIGNATURE_TYPE]))
    .update(publicKeyBytes(publicKey))
    .digest()
    .subarray(0, 4);
}

export function checkpointBody(checkpoint: Checkpoint): string {
  return `${checkpoint.origin}\n${checkpoint.size}\n${checkpoint.root.toString('base64')}\ntime ${checkpoint.time}\n`;
}

export function signCheckpoint(checkpoint: Checkpoint, name: string, privateKey: KeyObject): string {
  const body = checkpointBody(checkpoint);
  const signature = sign(null, Buffer.from(body, 'utf8'), privateKey);
  const publicKey = createPublicKey(privateKey);
  return `${body}\n${EM_DASH} ${name} ${Buffer.concat([keyId(name, publicKey), signature]).toString('base64')}\n`;
}

/** Parses a signed checkpoint note and checks its signature by `name`; null when anything is off. */
export function openCheckpoint(note: string, name: string, publicKey: KeyObject): Checkpoint | null {
  const split = note.indexOf('\n\n');
  if (split < 0) return null;
  const body = note.slice(0, split + 1);
  const expectedId = keyId(name, publicKey);
  let signed = false;
  for (const line of note.slice(split + 2).split('\n')) {
    if (!line.startsWith(`${EM_DASH} ${name} `)) continue;
    const blob = Buffer.from(line.slice(`${EM_DASH} ${name} `.length), 'base64');
    if (blob.length !== 4 + 64 || !blob.subarray(0, 4).equals(expectedId)) continue;
    if (verify(null, Buffer.from(body, 'utf8'), publicKey, blob.subarray(4))) signed = true;
  }
  if (!signed) return null;
  const lines = body.split('\n');
  const [origin, sizeText, rootText, ...rest] = lines;
  const time = rest.find((l) => l.startsWith('time '))?.slice(5);
  if (origin === undefined || sizeText === undefined || rootText === undefined || time === undefined)
    return null;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) return null;
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== 32) return null;
  return { origin, size: Number(sizeText), root, time };
}
