import { createHash, verify } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { openStore, SQLITE_FILE_NAME, type StoreLocation } from '../storage/store.js';
import type { RestoreKey } from './backup-config.js';
import { openChunks } from './chunk-open.js';
import { type Manifest, manifestBytes } from './manifest.js';
import type { DirectoryTarget } from './repository.js';
import { loadLogicalDump } from './snapshot.js';

/** The signed manifest of a backup (the newest when no id is given), or why it cannot be trusted. */
export function readManifest(
  target: DirectoryTarget,
  id: string | undefined,
  restoreKey: RestoreKey,
): Result<Manifest> {
  const ids = target.manifestIds();
  const manifestId = id ?? ids.at(-1);
  if (manifestId === undefined) return err(appError('NOT_FOUND', 'The target holds no backup.'));
  // The target lets the server add files, never remove them: a forged or damaged "newest" manifest must
  // not block recovery, so the refusal names it and the next older backup to restore instead.
  const older = ids.filter((other) => other < manifestId).at(-1);
  const refuse = (what: string) =>
    err(
      appError(
        'INTEGRITY_ERROR',
        `Backup ${manifestId}: ${what}${older === undefined ? '' : `; an older backup may be sound: --id ${older}`}.`,
        { backup: manifestId },
      ),
    );
  const raw = target.getManifest(manifestId);
  if (raw === null) return err(appError('NOT_FOUND', 'No backup with this id.', { backup: manifestId }));
  let parsed: { manifest: Manifest; signature: string };
  try {
    parsed = JSON.parse(raw.toString('utf8')) as typeof parsed;
  } catch {
    return refuse('the backup manifest is damaged');
  }
  if (
    !verify(
      null,
      manifestBytes(parsed.manifest),
      restoreKey.signer,
      Buffer.from(parsed.signature ?? '', 'base64'),
    ) ||
    parsed.manifest.id !== manifestId
  ) {
    return refuse('the backup manifest signature does not hold');
  }
  return ok(parsed.manifest);
}

/**
 * Streams a backup's chunks, opened in order, into a new SQLite store file in `dir`, hashing as it
 * goes: nothing is held whole in memory, and the store file appears (by rename) only once the whole
 * snapshot matches the signed manifest's SHA-256. A JSON-lines snapshot (PostgreSQL) is loaded into a
 * new SQLite store instead. On any failure nothing is left behind.
 */
export async function restoreSnapshot(
  target: DirectoryTarget,
  manifest: Manifest,
  restoreKey: RestoreKey,
  dir: string,
  into?: StoreLocation & { dialect: 'postgres' },
): Promise<Result<{ file: string; bytes: number }>> {
  if (into !== undefined && manifest.snapshot.format !== 'jsonl')
    return err(
      appError(
        'VALIDATION_FAILED',
        'A SQLite backup restores into a data directory (--to), not a database URL.',
      ),
    );
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const part = join(dir, 'snapshot.part');
  const file = join(dir, SQLITE_FILE_NAME);
  rmSync(part, { force: true });
  const hash = createHash('sha256');
  let bytes = 0;
  const fd = openSync(part, 'wx', 0o600);
  let opened: Awaited<ReturnType<typeof openChunks>>;
  try {
    opened = await openChunks(target, manifest.chunks, restoreKey.privateKey, (plain) => {
      hash.update(plain);
      for (let at = 0; at < plain.length; ) at += writeSync(fd, plain, at);
      bytes += plain.length;
    });
  } catch (error) {
    closeSync(fd);
    rmSync(part, { force: true });
    throw error;
  }
  closeSync(fd);
  const failure = !opened.ok
    ? appError(
        'INTEGRITY_ERROR',
        opened.problem === 'missing' ? 'A backup chunk is missing.' : 'A backup chunk was altered.',
        { backup: manifest.id, chunk: opened.chunk },
      )
    : bytes !== manifest.snapshot.bytes || hash.digest('hex') !== manifest.snapshot.sha256
      ? appError('INTEGRITY_ERROR', 'The reassembled snapshot does not match its manifest.', {
          backup: manifest.id,
        })
      : undefined;
  if (failure !== undefined) {
    rmSync(part, { force: true });
    return err(failure);
  }
  if (manifest.snapshot.format === 'sqlite') {
    renameSync(part, file);
    return ok({ file, bytes });
  }
  const dump = readFileSync(part);
  rmSync(part, { force: true });
  // PostgreSQL (a logical snapshot) loads into the empty database or schema named by URL, else into SQLite.
  const store = await openStore(into ?? { dialect: 'sqlite', file });
  try {
    await loadLogicalDump(store.db, dump);
  } finally {
    await store.close();
  }
  return ok({ file, bytes });
}
