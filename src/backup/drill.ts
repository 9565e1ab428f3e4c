import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { initVault, openVault, type Vault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { SQLITE_FILE_NAME, type StoreLocation } from '../storage/store.js';
import { BackupService } from './service.js';
import { growStore } from './synthetic-growth.js';

export interface DrillReport {
  readonly dialect: string;
  readonly backup: string;
  readonly recordsCompared: number;
  readonly valuesEqual: boolean;
  readonly eventsInBackup: number;
  readonly eventsLost: number;
  readonly restoredVerifies: boolean;
  readonly tamperedChunkRefused: boolean;
  /** A participant erased after the backup is erased again in the restored store. */
  readonly erasureHeld: boolean;
  readonly ok: boolean;
}

/** Records compared decrypted one by one; beyond this, every record by the digest of its stored version. */
const DECRYPTED_SAMPLE = 2000;

/**
 * What must come back: every record's current version, decrypted for up to 2,000 records (each reveal
 * is audited, so a 1 GB store is compared by the SHA-256 of each stored version beyond that: the same
 * ciphertext under the same restored keys is the same value).
 */
async function revealAll(vault: Vault): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const rows = await vault.store.db.selectFrom('records').select('id').orderBy('id').execute();
  if (rows.length > DECRYPTED_SAMPLE) {
    const versions = await vault.store.db
      .selectFrom('records')
      .innerJoin('record_versions', (j) =>
        j
          .onRef('record_versions.record_id', '=', 'records.id')
          .onRef('record_versions.version', '=', 'records.version'),
      )
      .select(['records.id', 'record_versions.clear_values', 'record_versions.sealed_values'])
      .execute();
    for (const v of versions)
      values.set(
        v.id,
        createHash('sha256').update(v.clear_values).update('\0').update(v.sealed_values).digest('hex'),
      );
  }
  for (const { id } of rows.slice(0, DECRYPTED_SAMPLE)) {
    const read = await vault.records.read(CLI_ACTOR, id, { reveal: true });
    values.set(`${id}/decrypted`, read.ok ? JSON.stringify(read.value.values) : `error:${read.error.code}`);
  }
  return values;
}

/**
 * The ransomware drill (ICH E6(R3) 4.3.3: tested backup and recovery): a synthetic store is backed
 * up, written to again, destroyed, restored and verified. Every value up to the backup must come back
 * equal (compared decrypted), the loss window must be reported, and a backup with one altered chunk
 * must be refused. Runs in a temporary place; it never touches the operator's store.
 */
export async function runDrill(
  location?: StoreLocation,
  options: { megabytes?: number } = {},
): Promise<Result<DrillReport>> {
  const dir = mkdtempSync(join(tmpdir(), 'tv-drill-'));
  try {
    const keyDir = join(dir, 'keys');
    const source = {
      keyDir,
      passphrase: undefined,
      witnessFile: join(keyDir, 'witness.log'),
      witnessUrl: undefined,
    };
    const place: StoreLocation = location ?? { dialect: 'sqlite', file: join(dir, SQLITE_FILE_NAME) };
    const created = await initVault(place, source, CLI_ACTOR);
    if (!created.ok) return created;
    let vault: Vault = created.value;
    const seeded = await vault.demo.seed(CLI_ACTOR, 7);
    if (!seeded.ok) return seeded;
    if (options.megabytes !== undefined && place.dialect === 'sqlite') {
      const grown = await growStore(vault, seeded.value.studyId, 'S01', place.file, options.megabytes, 'D');
      if (!grown.ok) return grown;
    }
    const backups = new BackupService(vault, source);
    const target = join(dir, 'target');
    const restoreKey = join(dir, 'restore.key');
    const init = await backups.init(CLI_ACTOR, target, restoreKey);
    if (!init.ok) return init;
    const backup = await backups.create(CLI_ACTOR);
    if (!backup.ok) return backup;
    const expected = await revealAll(vault);
    const eventsInBackup = Number(
      (
        await vault.store.db
          .selectFrom('audit_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

    // Keep writing after the backup: these changes are the loss window.
    const record = await vault.store.db
      .selectFrom('records')
      .select('id')
      .where('locked', '=', 0)
      .limit(3)
      .execute();
    for (const r of record) await vault.records.lock(CLI_ACTOR, r.id);
    // An erasure after the backup must survive the restore (crypto-shredding in every copy).
    const erasedOne = await vault.store.db
      .selectFrom('participants')
      .select('id')
      .orderBy('subject_id')
      .limit(1)
      .executeTakeFirstOrThrow();
    const shredded = await vault.participants.erase(
      CLI_ACTOR,
      erasedOne.id,
      'Participant asked for erasure after the backup',
    );
    if (!shredded.ok) return shredded;
    const victimRecords = new Set(
      (
        await vault.store.db
          .selectFrom('records')
          .select('id')
          .where('participant_id', '=', erasedOne.id)
          .execute()
      ).map((r) => r.id),
    );
    const later = await vault.ledger.checkpoint();
    if (!later.ok) return later;

    // The attack: the store is encrypted or overwritten in place.
    if (place.dialect === 'sqlite') {
      await vault.close();
      const size = statSync(place.file).size;
      writeFileSync(place.file, randomBytes(Math.max(size, 4096)));
      for (const f of readdirSync(dir)) if (f.startsWith(`${SQLITE_FILE_NAME}-`)) rmSync(join(dir, f));
      const broken = await openVault(place, source).catch(() => undefined);
      if (broken?.ok === true) await broken.value.close();
    } else {
      for (const table of ['signatures', 'record_versions', 'records', 'audit_events']) {
        await sql`delete from ${sql.table(table)}`.execute(vault.store.db);
      }
      await vault.close();
    }

    // A backup with one altered chunk is refused by verify and restore.
    const tampered = join(dir, 'tampered');
    cpSync(target, tampered, { recursive: true });
    const chunkDir = join(tampered, 'chunks');
    const prefix = readdirSync(chunkDir)[0] ?? '';
    const chunkToAlter = join(chunkDir, prefix, readdirSync(join(chunkDir, prefix))[0] ?? '');
    chmodSync(chunkToAlter, 0o600);
    const bytes = readFileSync(chunkToAlter);
    bytes[bytes.length - 40] = (bytes[bytes.length - 40] ?? 0) ^ 0x01;
    writeFileSync(chunkToAlter, bytes);
    const refusedVerify = await backups.verify(undefined, restoreKey, tampered);
    const refusedRestore = await backups.restore(
      CLI_ACTOR,
      undefined,
      restoreKey,
      join(dir, 'never'),
      tampered,
    );
    const tamperedChunkRefused =
      !refusedVerify.ok &&
      refusedVerify.error.code === 'INTEGRITY_ERROR' &&
      !refusedRestore.ok &&
      refusedRestore.error.code === 'INTEGRITY_ERROR';

    const checked = await backups.verify(undefined, restoreKey);
    if (!checked.ok) return checked;
    const restored = await backups.restore(CLI_ACTOR, undefined, restoreKey, join(dir, 'restored'));
    if (!restored.ok) return restored;
    const reopened = await openVault({ dialect: 'sqlite', file: restored.value.file ?? '' }, source);
    if (!reopened.ok) return reopened;
    vault = reopened.value;
    try {
      const actual = await revealAll(vault);
      let equal = actual.size === expected.size;
      for (const [key, value] of expected)
        if (!victimRecords.has(key.split('/')[0] ?? '') && actual.get(key) !== value) equal = false;
      const victimRow = await vault.store.db
        .selectFrom('participants')
        .select('status')
        .where('id', '=', erasedOne.id)
        .executeTakeFirst();
      const victimUnreadable = [...victimRecords].every((id) => !(actual.get(id) ?? '').includes('@'));
      const erasureHeld =
        victimRow?.status === 'erased' && victimUnreadable && restored.value.erasuresReplayed === 1;
      const verified = await vault.ledger.verify();
      const report: DrillReport = {
        dialect: place.dialect,
        backup: backup.value.id,
        recordsCompared: new Set([...expected.keys()].map((k) => k.split('/')[0])).size,
        valuesEqual: equal,
        eventsInBackup,
        eventsLost: (restored.value.lostThrough ?? restored.value.events) - restored.value.events,
        restoredVerifies: verified.ok && checked.value.ledger.ok,
        tamperedChunkRefused,
        erasureHeld,
        ok: false,
      };
      const passed =
        report.valuesEqual &&
        report.restoredVerifies &&
        report.tamperedChunkRefused &&
        report.erasureHeld &&
        report.eventsLost > 0;
      return passed
        ? ok({ ...report, ok: true })
        : err(appError('INTEGRITY_ERROR', 'The drill failed.', { ...report }));
    } finally {
      await vault.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
