import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { eventCount } from '../ledger/repo.js';
import type { ConsistencyProof } from '../ledger/service.js';
import { SQLITE_FILE_NAME, type StoreLocation } from '../storage/store.js';
import { transact } from '../storage/transact.js';
import { ERASURE_REGISTER, readErasureRegister } from '../vault/erasure-register.js';
import { restoreSnapshot } from './reassemble.js';
import { mergeWitness, openBackup, openRestored, type RecoveryInput } from './recover.js';
import { participantErased } from './restored-repo.js';
import type { VaultOpener } from './vault-opener.js';

/** Where a restore goes: a new data directory (SQLite) or an empty PostgreSQL database or schema. */
export type RestoreDestination =
  | { readonly dataDir: string; readonly keyDir: string }
  | {
      readonly postgres: StoreLocation & { dialect: 'postgres' };
      readonly url: string;
      readonly keyDir: string;
    };

export interface RestoreReport {
  readonly id: string;
  /** The SQLite store file, or undefined for PostgreSQL. */
  readonly file: string | undefined;
  readonly keyDir: string;
  readonly events: number;
  readonly erasuresReplayed: number;
  readonly lostFrom: number | null;
  readonly lostThrough: number | null;
  /** False when no witness newer than the backup was available: events after it may be lost unreported. */
  readonly lossWindowKnown: boolean;
  /** The first checkpoint after recovery, and its proof that it extends the last witnessed one kept. */
  readonly checkpoint: { readonly size: number; readonly root: string };
  readonly consistency: ConsistencyProof | null;
  /** Witnessed checkpoints inside the snapshot that the restored log contradicts (a fork: investigate). */
  readonly witnessConflicts: number;
  /** The environment that serves the restored store. */
  readonly serveEnv: Record<string, string>;
}

/** Refuses a PostgreSQL destination that already holds tables: a restore never goes over a store. */
async function emptyPostgres(location: StoreLocation & { dialect: 'postgres' }): Promise<Result<null>> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({
    connectionString: location.url,
    ...(location.schema === undefined ? {} : { options: `-c search_path=${location.schema}` }),
  });
  try {
    await client.connect();
    const row = (
      await client.query<{ schema: string | null; n: string }>(
        `select current_schema() as schema, (select count(*) from information_schema.tables where table_schema = current_schema()) as n`,
      )
    ).rows[0];
    if (row?.schema === null || row?.schema === undefined)
      return err(
        appError('NOT_FOUND', 'The schema named by the database URL does not exist: create it first.'),
      );
    if (Number(row.n) > 0)
      return err(appError('ALREADY_EXISTS', 'The database or schema is not empty; restore into a new one.'));
    return ok(null);
  } catch {
    return err(appError('UNAVAILABLE', 'The PostgreSQL database named by the URL does not answer.'));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Restores a backup onto a wiped machine (ransomware recovery): the snapshot into a new store, the keys
 * sealed in its manifest (or recovered from escrow) into a new key directory, the witness rebuilt from
 * the copies given and those on the target. The restore is recorded in the restored ledger with the
 * loss window, erasures that survived in a register are replayed, and the first checkpoint after
 * recovery is published with a consistency proof from the newest witnessed checkpoint the log keeps.
 * `open` opens the restored store (the composition root's openVault, handed down: backup/ is below app/).
 */
export async function restoreBackup(
  actor: Actor,
  input: RecoveryInput,
  to: RestoreDestination,
  open: VaultOpener,
): Promise<Result<RestoreReport>> {
  if (actor.kind !== 'system') return err(appError('FORBIDDEN', 'Only the operator restores backups.'));
  if ('dataDir' in to && existsSync(join(to.dataDir, SQLITE_FILE_NAME)))
    return err(
      appError('ALREADY_EXISTS', 'The target directory already holds a store; restore into a new one.'),
    );
  // A restore goes into a new place only: never beside another directory's files (21 CFR 11.10(c)).
  if ('dataDir' in to && !isEmptyOrMissing(to.dataDir))
    return err(
      appError('ALREADY_EXISTS', 'The data directory for the restore is not empty; name a new one.'),
    );
  // A refused restore leaves nothing behind (docs/backup.md), so a retry can use the same place.
  const created = [...new Set(['dataDir' in to ? to.dataDir : undefined, to.keyDir].map(topmostMissing))];
  let result: Result<RestoreReport> | undefined;
  try {
    result = await restoreInto(actor, input, to, open);
    return result;
  } finally {
    if (result === undefined || !result.ok)
      for (const path of created) if (path !== undefined) rmSync(path, { recursive: true, force: true });
  }
}

function isEmptyOrMissing(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return !existsSync(dir);
  }
}

/** The outermost ancestor of `path` (or itself) that does not exist yet: what a restore would create. */
function topmostMissing(path: string | undefined): string | undefined {
  if (path === undefined || existsSync(path)) return undefined;
  let top = path;
  while (dirname(top) !== top && !existsSync(dirname(top))) top = dirname(top);
  return top;
}

async function restoreInto(
  actor: Actor,
  input: RecoveryInput,
  to: RestoreDestination,
  open: VaultOpener,
): Promise<Result<RestoreReport>> {
  if ('postgres' in to) {
    const empty = await emptyPostgres(to.postgres);
    if (!empty.ok) return empty;
  }
  const opened = openBackup(input);
  if (!opened.ok) return opened;
  const { manifest, target } = opened.value;
  if (opened.value.bundle?.keyMode === 'passphrase' && input.passphrase === undefined)
    return err(
      appError(
        'KEY_UNAVAILABLE',
        'This store is protected by a passphrase: set TRIALVAULT_PASSPHRASE for the restore.',
      ),
    );
  if (opened.value.bundle !== undefined && !isEmptyOrMissing(to.keyDir))
    return err(appError('ALREADY_EXISTS', 'The key directory for the restore is not empty; name a new one.'));
  const work = 'dataDir' in to ? to.dataDir : mkdtempSync(join(tmpdir(), 'tv-restore-'));
  let location: StoreLocation;
  try {
    const restored = await restoreSnapshot(
      target,
      manifest,
      opened.value.restoreKey,
      work,
      'postgres' in to ? to.postgres : undefined,
    );
    if (!restored.ok) return restored;
    location = 'postgres' in to ? to.postgres : { dialect: 'sqlite', file: restored.value.file };
  } finally {
    if (!('dataDir' in to)) rmSync(work, { recursive: true, force: true });
  }
  const survivingWitness =
    input.survivingKeys?.witnessFile ?? join(input.survivingKeys?.keyDir ?? '', 'witness.log');
  const external = [
    ...(input.witnessFiles ?? []),
    ...(input.survivingKeys === undefined ? [] : [survivingWitness]),
  ];
  // The witness kept elsewhere comes first; the copies on the target (written by the server, so an
  // attacker who held it could have added one) only when no other witness is readable.
  const elsewhere = mergeWitness(external, []);
  const entries = elsewhere.length > 0 ? elsewhere : mergeWitness([], target.witnessCopies());
  const keyDir = opened.value.bundle === undefined ? (input.survivingKeys?.keyDir ?? to.keyDir) : to.keyDir;
  // An older backup restored with the surviving key directory keeps publishing to its witness.
  const witnessFile = opened.value.bundle === undefined ? survivingWitness : join(to.keyDir, 'witness.log');
  const vault = await openRestored(open, opened.value, location, to.keyDir, input, witnessFile);
  if (!vault.ok) return vault;
  // The rebuilt witness: what was published before the attack, checked by `verify` from now on.
  if (opened.value.bundle !== undefined)
    writeFileSync(witnessFile, entries.map((e) => `${JSON.stringify(e)}\n`).join(''), { mode: 0o600 });
  const restored = vault.value.vault;
  try {
    const events = await eventCount(restored.store.db);
    const newest = Math.max(0, ...entries.map((e) => e.size));
    const lost =
      newest > events ? { lostFrom: events, lostThrough: newest } : { lostFrom: null, lostThrough: null };
    const backupCheckpoint = manifest.checkpoint?.size ?? 0;
    // Known only from a witness kept elsewhere that could be read: a copy the attack encrypted or
    // truncated proves nothing, so it never turns into "nothing was lost" (21 CFR 11.10(e)).
    const lossWindowKnown = entries.some((e) => e.size > backupCheckpoint) || elsewhere.length > 0;
    await transact(restored.store.db, async (trx) => {
      await appendAuditEvent(trx, restored.deps, {
        actor,
        action: 'backup.restore',
        target: manifest.id,
        details: {
          backup: manifest.id,
          snapshotCheckpoint: manifest.checkpoint?.size ?? null,
          events,
          lossWindowKnown,
          ...lost,
        },
      });
      return ok(null);
    });
    // The loss window is now acknowledged by a MAC'd event: the log is checked again (review r17).
    await restored.ledger.checkAtStart();
    // Crypto-shredding holds across restores: erasures made after the backup are replayed.
    let erasuresReplayed = 0;
    // From the surviving register, and from the copies mirrored to the target (erasure-mirror.ts).
    const register = join(input.survivingKeys?.keyDir ?? '', ERASURE_REGISTER);
    const erasures = new Set([
      ...(input.survivingKeys === undefined ? [] : readErasureRegister(register)),
      ...target.erasures(),
    ]);
    for (const participantId of erasures) {
      // A participant the restored store does not hold, or already erased, needs no replay.
      if ((await participantErased(restored.store.db, participantId)) !== false) continue;
      const erased = await restored.participants.erase(
        actor,
        participantId,
        'Erasure replayed after a restore from backup (erasure register)',
      );
      if (!erased.ok) return erased;
      erasuresReplayed++;
    }
    if (input.survivingKeys !== undefined && existsSync(register) && keyDir !== input.survivingKeys.keyDir)
      copyFileSync(register, join(keyDir, ERASURE_REGISTER));
    const checkpoint = await restored.ledger.checkpoint();
    if (!checkpoint.ok) return checkpoint;
    // The newest witnessed checkpoint the restored log still holds (at most the snapshot's size), and
    // the proof that the first checkpoint after recovery extends it. A witnessed checkpoint the restored
    // log contradicts is counted (and `verify` names it), never hidden.
    let consistency: ConsistencyProof | null = null;
    let witnessConflicts = 0;
    for (const e of entries.filter((w) => w.size <= events && w.size >= 1).reverse()) {
      const proof = await restored.ledger.consistency(e.size, checkpoint.value.size);
      if (!proof.ok) return proof;
      if (proof.value.root1 === e.root) {
        consistency = proof.value;
        break;
      }
      witnessConflicts++;
    }
    const serveEnv: Record<string, string> =
      'dataDir' in to
        ? { TRIALVAULT_DATA_DIR: to.dataDir, TRIALVAULT_KEY_DIR: keyDir }
        : { TRIALVAULT_DB_URL: to.url, TRIALVAULT_KEY_DIR: keyDir };
    return ok({
      id: manifest.id,
      file: location.dialect === 'sqlite' ? location.file : undefined,
      keyDir,
      events,
      erasuresReplayed,
      ...lost,
      lossWindowKnown,
      checkpoint: { size: checkpoint.value.size, root: checkpoint.value.root },
      consistency,
      witnessConflicts,
      serveEnv,
    });
  } finally {
    await restored.close();
  }
}
