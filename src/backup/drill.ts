import { randomBytes } from 'node:crypto';
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
import { CLI_ACTOR } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { SQLITE_FILE_NAME, type StoreLocation } from '../storage/store.js';
import {
  auditEventTotal,
  currentVersionDigests,
  firstParticipantId,
  participantErased,
  recordIds,
  recordIdsOf,
  unlockedRecordIds,
  wipeTables,
} from './restored-repo.js';
import { BackupService } from './service.js';
import { growStore } from './synthetic-growth.js';
import type { DrillVault, DrillVaults } from './vault-opener.js';

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
async function revealAll(vault: DrillVault): Promise<Map<string, string>> {
  const ids = await recordIds(vault.store.db);
  const values =
    ids.length > DECRYPTED_SAMPLE ? await currentVersionDigests(vault.store.db) : new Map<string, string>();
  for (const id of ids.slice(0, DECRYPTED_SAMPLE)) {
    const read = await vault.records.read(CLI_ACTOR, id, { reveal: true });
    values.set(`${id}/decrypted`, read.ok ? JSON.stringify(read.value.values) : `error:${read.error.code}`);
  }
  return values;
}

/**
 * The ransomware drill (ICH E6(R3) 4.3.3: tested backup and recovery): a synthetic store is backed
 * up, written to again, destroyed, restored and verified. Every value up to the backup must come back
 * equal (compared decrypted), the loss window must be reported, and a backup with one altered chunk
 * must be refused. Runs in a temporary place; it never touches the operator's store. The vaults are
 * made and opened by `vaults` (the composition root's initVault and openVault, handed down by the face).
 */
export async function runDrill(
  vaults: DrillVaults,
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
    const created = await vaults.init(place, source, CLI_ACTOR);
    if (!created.ok) return created;
    let vault: DrillVault = created.value;
    const seeded = await vault.demo.seed(CLI_ACTOR, 7);
    if (!seeded.ok) return seeded;
    if (options.megabytes !== undefined && place.dialect === 'sqlite') {
      const grown = await growStore(vault, seeded.value.studyId, 'S01', place.file, options.megabytes, 'D');
      if (!grown.ok) return grown;
    }
    const backups = new BackupService(vault, source, vaults.open);
    const target = join(dir, 'target');
    const restoreKey = join(dir, 'restore.key');
    const init = await backups.init(CLI_ACTOR, target, restoreKey);
    if (!init.ok) return init;
    const backup = await backups.create(CLI_ACTOR);
    if (!backup.ok) return backup;
    const expected = await revealAll(vault);
    const eventsInBackup = await auditEventTotal(vault.store.db);

    // Keep writing after the backup: these changes are the loss window.
    for (const id of await unlockedRecordIds(vault.store.db, 3)) await vault.records.lock(CLI_ACTOR, id);
    // An erasure after the backup must survive the restore (crypto-shredding in every copy).
    const erasedOne = await firstParticipantId(vault.store.db);
    const shredded = await vault.participants.erase(
      CLI_ACTOR,
      erasedOne,
      'Participant asked for erasure after the backup',
    );
    if (!shredded.ok) return shredded;
    const victimRecords = new Set(await recordIdsOf(vault.store.db, erasedOne));
    const later = await vault.ledger.checkpoint();
    if (!later.ok) return later;

    // The attack: the store is encrypted or overwritten in place.
    if (place.dialect === 'sqlite') {
      await vault.close();
      const size = statSync(place.file).size;
      writeFileSync(place.file, randomBytes(Math.max(size, 4096)));
      for (const f of readdirSync(dir)) if (f.startsWith(`${SQLITE_FILE_NAME}-`)) rmSync(join(dir, f));
      const broken = await vaults.open(place, source).catch(() => undefined);
      if (broken?.ok === true) await broken.value.close();
    } else {
      await wipeTables(vault.store.db, ['signatures', 'record_versions', 'records', 'audit_events']);
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
    const reopened = await vaults.open({ dialect: 'sqlite', file: restored.value.file ?? '' }, source);
    if (!reopened.ok) return reopened;
    vault = reopened.value;
    try {
      const actual = await revealAll(vault);
      let equal = actual.size === expected.size;
      for (const [key, value] of expected)
        if (!victimRecords.has(key.split('/')[0] ?? '') && actual.get(key) !== value) equal = false;
      const victimErased = await participantErased(vault.store.db, erasedOne);
      const victimUnreadable = [...victimRecords].every((id) => !(actual.get(id) ?? '').includes('@'));
      const erasureHeld = victimErased === true && victimUnreadable && restored.value.erasuresReplayed === 1;
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
