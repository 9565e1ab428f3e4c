import { sign } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERASURE_REGISTER, openVault, readErasureRegister, type Vault } from '../app/vault.js';
import { appendAuditEvent } from '../audit/repo.js';
import { type Actor, CLI_ACTOR } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, expectOk, ok, type Result } from '../core/result.js';
import { loadLedgerKeys } from '../ledger/ledger-keys.js';
import type { VerifyReport } from '../ledger/verify.js';
import { Witness } from '../ledger/witness.js';
import { SQLITE_FILE_NAME } from '../storage/store.js';
import { transact } from '../storage/transact.js';
import type { KeySource } from '../vault/bootstrap.js';
import {
  createBackupKeys,
  loadBackupConfig,
  loadRestoreKey,
  type RestoreKey,
  sha256Hex,
} from './backup-config.js';
import { storeChunks } from './chunk-store.js';
import { type Manifest, manifestBytes } from './manifest.js';
import { readManifest, restoreSnapshot } from './reassemble.js';
import { DirectoryTarget } from './repository.js';
import { openSnapshot } from './snapshot.js';
import type { BackupStatus } from './status-service.js';

export type { Manifest } from './manifest.js';

export interface BackupReport {
  readonly id: string;
  readonly target: string;
  readonly bytes: number;
  readonly chunks: number;
  readonly newChunks: number;
  readonly storedBytes: number;
  readonly checkpoint: number | null;
  readonly seconds: number;
  /** How the snapshot was taken: streamed from the store file, serialized, or dumped (PostgreSQL). */
  readonly snapshot: 'streamed' | 'serialized' | 'dumped';
}

/**
 * Ransomware resilience (ICH E6(R3) 4.3.3; 21 CFR 11.10(c)): consistent snapshots split into
 * content-defined chunks, deduplicated, compressed and encrypted to an offline restore key; signed
 * manifests bound to a ledger checkpoint; verified restores that record the loss window in the ledger.
 */
export class BackupService {
  constructor(
    private readonly vault: Vault,
    private readonly source: KeySource,
  ) {}

  /** Backups are the operator's: no role holds backup.run, so anyone else is refused and audited. */
  async #operator(actor: Actor): Promise<Result<unknown>> {
    return this.vault.authorizer.authorize(actor, 'backup.run');
  }

  async init(
    actor: Actor,
    target: string,
    restoreKeyOut: string,
  ): Promise<Result<{ target: string; fingerprint: string }>> {
    const allowed = await this.#operator(actor);
    if (!allowed.ok) return allowed;
    const keys = loadLedgerKeys(this.source.keyDir);
    if (!keys.ok) return keys;
    const made = createBackupKeys(this.source.keyDir, target, restoreKeyOut, keys.value.publicKey);
    if (!made.ok) return made;
    new DirectoryTarget(target).prepare({
      format: 'trialvault-backup-repo-v1',
      publicKey: made.value.fingerprint,
      pruneHash: made.value.config.pruneHash,
    });
    return ok({ target, fingerprint: made.value.fingerprint });
  }

  async create(actor: Actor, targetOverride?: string): Promise<Result<BackupReport>> {
    const allowed = await this.#operator(actor);
    if (!allowed.ok) return allowed;
    const started = Date.now();
    const config = loadBackupConfig(this.source.keyDir);
    if (!config.ok) return config;
    const keys = loadLedgerKeys(this.source.keyDir);
    if (!keys.ok || keys.value.privateKey === undefined)
      return err(appError('KEY_UNAVAILABLE', 'The ledger key is needed to sign backup manifests.'));
    const target = new DirectoryTarget(targetOverride ?? config.value.target);
    if (!target.exists())
      return err(
        appError('CONFIG_INVALID', 'The backup target is not prepared: run "trialvault backup init".'),
      );
    // The checkpoint first, so the manifest names what the snapshot holds at least.
    const checkpoint = await this.vault.ledger.checkpointIfBehind();
    if (!checkpoint.ok) return checkpoint;
    const snapshot = await openSnapshot(this.vault.store);
    let stored: Awaited<ReturnType<typeof storeChunks>>;
    try {
      stored = await storeChunks(snapshot.chunks, target, config.value.publicKey, config.value.idKey);
    } finally {
      snapshot.close();
    }
    const { ids, newChunks, storedBytes, sha256, bytes } = stored;
    const createdAt = this.vault.deps.clock.now().toISOString();
    const cp = checkpoint.value;
    const manifest: Manifest = {
      format: 'trialvault-backup-v1',
      id: `${createdAt.replace(/[-:.]/g, '')}-${ids.length > 0 ? (ids[0] ?? '').slice(0, 8) : 'empty'}`,
      createdAt,
      origin: this.vault.ledger.origin,
      snapshot: {
        format: snapshot.format,
        bytes,
        sha256,
      },
      chunks: ids,
      checkpoint: cp === undefined ? null : { size: cp.size, root: cp.root, note: cp.note },
    };
    const signature = sign(null, manifestBytes(manifest), keys.value.privateKey).toString('base64');
    target.putManifest(manifest.id, Buffer.from(`${JSON.stringify({ manifest, signature }, null, 2)}\n`));
    const report = {
      id: manifest.id,
      target: target.root,
      bytes,
      chunks: ids.length,
      newChunks,
      storedBytes,
      checkpoint: manifest.checkpoint?.size ?? null,
      seconds: Number(((Date.now() - started) / 1000).toFixed(2)),
      snapshot: snapshot.method,
    };
    await transact(this.vault.store.db, async (trx) => {
      await appendAuditEvent(trx, this.vault.deps, {
        actor,
        action: 'backup.create',
        target: manifest.id,
        details: { ...report, target: undefined },
      });
      return ok(null);
    });
    return ok(report);
  }

  /** The target to read backups from: the one given, or the configured one. */
  #readTarget(targetOverride: string | undefined): Result<DirectoryTarget> {
    const config = loadBackupConfig(this.source.keyDir);
    const root = targetOverride ?? (config.ok ? config.value.target : undefined);
    if (root === undefined) return config as Result<never>;
    return ok(new DirectoryTarget(root));
  }

  /** Checks the signed manifest, then streams every chunk, opened and checked, into a store in `dir`. */
  async #reassemble(
    id: string | undefined,
    restoreKey: RestoreKey,
    targetOverride: string | undefined,
    dir: string,
  ): Promise<Result<{ manifest: Manifest; file: string; bytes: number }>> {
    const target = this.#readTarget(targetOverride);
    if (!target.ok) return target;
    const manifest = readManifest(target.value, id, restoreKey);
    if (!manifest.ok) return manifest;
    const restored = await restoreSnapshot(target.value, manifest.value, restoreKey, dir);
    if (!restored.ok) return restored;
    return ok({ manifest: manifest.value, ...restored.value });
  }

  /** Decrypts the backup into a temporary store and runs the ledger verification on it. */
  async verify(
    id: string | undefined,
    restoreKeyFile: string,
    targetOverride?: string,
  ): Promise<
    Result<{ id: string; checkpoint: number | null; bytes: number; chunks: number; ledger: VerifyReport }>
  > {
    const restoreKey = loadRestoreKey(restoreKeyFile);
    if (!restoreKey.ok) return restoreKey;
    const dir = mkdtempSync(join(tmpdir(), 'tv-verify-'));
    try {
      const assembled = await this.#reassemble(id, restoreKey.value, targetOverride, join(dir, 'store'));
      if (!assembled.ok) return assembled;
      const { manifest, file, bytes } = assembled.value;
      // Checked against the manifest's own checkpoint: later published checkpoints are expected to be ahead.
      const witnessFile = join(dir, 'witness.log');
      if (manifest.checkpoint !== null)
        new Witness(witnessFile, undefined).append({ ...manifest.checkpoint, time: manifest.createdAt });
      const opened = await openVault(
        { dialect: 'sqlite', file },
        { ...this.source, witnessFile, witnessUrl: undefined },
      );
      if (!opened.ok) return opened;
      try {
        const ledger = await opened.value.ledger.verify();
        // Recorded in the live store when it answers; verifying must also work while it is down (ransomware).
        await transact(this.vault.store.db, async (trx) => {
          await appendAuditEvent(trx, this.vault.deps, {
            actor: { kind: 'system', id: 'cli' },
            action: 'backup.verify',
            outcome: ledger.ok ? 'success' : 'failure',
            target: manifest.id,
            details: {
              checkpoint: manifest.checkpoint?.size ?? null,
              events: ledger.events,
              findings: ledger.findings.length,
              createdAt: manifest.createdAt,
            },
          });
          return ok(null);
        }).catch(() => undefined);
        return ok({
          id: manifest.id,
          checkpoint: manifest.checkpoint?.size ?? null,
          bytes,
          chunks: manifest.chunks.length,
          ledger,
        });
      } finally {
        await opened.value.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * Restores a backup into a new store in `toDir` and records the restore in its ledger, with the loss
   * window: events between the snapshot and the newest published checkpoint are reported, not hidden.
   */
  async restore(
    actor: Actor,
    id: string | undefined,
    restoreKeyFile: string,
    toDir: string,
    targetOverride?: string,
  ): Promise<
    Result<{
      id: string;
      file: string;
      events: number;
      erasuresReplayed: number;
      lostFrom: number | null;
      lostThrough: number | null;
    }>
  > {
    const allowed = await this.#operator(actor);
    if (!allowed.ok) return allowed;
    if (existsSync(join(toDir, SQLITE_FILE_NAME)))
      return err(
        appError('ALREADY_EXISTS', 'The target directory already holds a store; restore into a new one.'),
      );
    const restoreKey = loadRestoreKey(restoreKeyFile);
    if (!restoreKey.ok) return restoreKey;
    const assembled = await this.#reassemble(id, restoreKey.value, targetOverride, toDir);
    if (!assembled.ok) return assembled;
    const { manifest, file } = assembled.value;
    const opened = await openVault({ dialect: 'sqlite', file }, this.source);
    if (!opened.ok) return opened;
    const restored = opened.value;
    try {
      const events =
        Number(
          (
            await restored.store.db
              .selectFrom('audit_events')
              .select((eb) => eb.fn.max('seq').as('max'))
              .executeTakeFirst()
          )?.max ?? -1,
        ) + 1;
      const witnessed = new Witness(
        this.source.witnessFile ?? join(this.source.keyDir, 'witness.log'),
        undefined,
      ).read().entries;
      const newest = Math.max(0, ...witnessed.map((e) => e.size));
      const lost =
        newest > events ? { lostFrom: events, lostThrough: newest } : { lostFrom: null, lostThrough: null };
      await transact(restored.store.db, async (trx) => {
        await appendAuditEvent(trx, restored.deps, {
          actor,
          action: 'backup.restore',
          target: manifest.id,
          details: {
            backup: manifest.id,
            snapshotCheckpoint: manifest.checkpoint?.size ?? null,
            events,
            ...lost,
          },
        });
        return ok(null);
      });
      // Crypto-shredding holds across restores: erasures made after the backup are replayed.
      let erasuresReplayed = 0;
      for (const participantId of readErasureRegister(join(this.source.keyDir, ERASURE_REGISTER))) {
        const row = await restored.store.db
          .selectFrom('participants')
          .select('status')
          .where('id', '=', participantId)
          .executeTakeFirst();
        if (row === undefined || row.status === 'erased') continue;
        const erased = await restored.participants.erase(
          actor,
          participantId,
          'Erasure replayed after a restore from backup (erasure register)',
        );
        if (!erased.ok) return erased;
        erasuresReplayed++;
      }
      const checkpoint = await restored.ledger.checkpoint();
      if (!checkpoint.ok) return checkpoint;
      return ok({ id: manifest.id, file, events, erasuresReplayed, ...lost });
    } finally {
      await restored.close();
    }
  }

  /** The last backup, the last verified one, and the recovery point (what a restore would bring back). */
  async status(): Promise<BackupStatus> {
    return expectOk(await this.vault.backupStatus.status(CLI_ACTOR));
  }

  /** Applies a retention policy; needs the prune credential from the offline restore key file. */
  async prune(
    keep: number,
    restoreKeyFile: string,
    targetOverride?: string,
  ): Promise<Result<{ removedBackups: string[]; removedChunks: number }>> {
    const restoreKey = loadRestoreKey(restoreKeyFile);
    if (!restoreKey.ok) return restoreKey;
    const config = loadBackupConfig(this.source.keyDir);
    if (!config.ok) return config;
    if (sha256Hex(restoreKey.value.pruneSecret) !== config.value.pruneHash) {
      return err(appError('FORBIDDEN', 'The prune credential does not belong to this backup target.'));
    }
    if (!Number.isSafeInteger(keep) || keep < 1)
      return err(appError('VALIDATION_FAILED', 'Keep at least one backup.'));
    const target = new DirectoryTarget(targetOverride ?? config.value.target);
    const ids = target.manifestIds();
    const removed = ids.slice(0, Math.max(0, ids.length - keep));
    const kept = new Set<string>();
    for (const id of ids.slice(removed.length)) {
      const raw = target.getManifest(id);
      if (raw !== null)
        for (const c of (JSON.parse(raw.toString('utf8')) as { manifest: Manifest }).manifest.chunks)
          kept.add(c);
    }
    for (const id of removed) target.remove('manifest', id);
    let removedChunks = 0;
    for (const chunk of target.chunkIds()) {
      if (!kept.has(chunk)) {
        target.remove('chunk', chunk);
        removedChunks++;
      }
    }
    return ok({ removedBackups: removed, removedChunks });
  }
}
