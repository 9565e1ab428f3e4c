import { sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Authorizer } from '../authz/authorizer.js';
import { type Actor, CLI_ACTOR } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, expectOk, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { loadLedgerKeys } from '../ledger/ledger-keys.js';
import type { LedgerService } from '../ledger/service.js';
import type { Store } from '../storage/store.js';
import { transact } from '../storage/transact.js';
import type { KeySource } from '../vault/bootstrap.js';
import type { VaultDeps } from '../vault/deps.js';
import { createBackupKeys, loadBackupConfig, loadRestoreKey, sha256Hex } from './backup-config.js';
import { storeChunks } from './chunk-store.js';
import { collectKeyBundle, readStoreKeyMeta, sealBundle } from './key-bundle.js';
import { type Manifest, manifestBytes } from './manifest.js';
import { type BackupVerification, verifyBackup } from './recover.js';
import { DirectoryTarget } from './repository.js';
import { type RestoreReport, restoreBackup } from './restore.js';
import { openSnapshot } from './snapshot.js';
import type { BackupStatus, BackupStatusService } from './status-service.js';
import type { VaultOpener } from './vault-opener.js';

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

/** What backups use of the vault; the composition root's Vault passes as itself. */
export interface BackupVault {
  readonly store: Store;
  readonly deps: VaultDeps;
  readonly ledger: LedgerService;
  readonly authorizer: Authorizer;
  readonly backupStatus: BackupStatusService;
}

/** Records a verification in the live store (`backup.verify`, read by `backup status`). */
export async function recordVerification(
  vault: Pick<BackupVault, 'store' | 'deps'>,
  result: BackupVerification,
): Promise<void> {
  await transact(vault.store.db, async (trx) => {
    await appendAuditEvent(trx, vault.deps, {
      actor: { kind: 'system', id: 'cli' },
      action: 'backup.verify',
      outcome: result.ledger.ok ? 'success' : 'failure',
      target: result.id,
      details: {
        checkpoint: result.checkpoint,
        events: result.ledger.events,
        findings: result.ledger.findings.length,
        createdAt: result.createdAt,
      },
    });
    return ok(null);
  });
}

/**
 * Ransomware resilience (ICH E6(R3) 4.3.3; 21 CFR 11.10(c)): consistent snapshots split into
 * content-defined chunks, deduplicated, compressed and encrypted to an offline restore key; signed
 * manifests bound to a ledger checkpoint; verified restores that record the loss window in the ledger.
 * Verify and restore open the restored copy with `open` (the composition root's openVault, handed down).
 */
export class BackupService {
  constructor(
    private readonly vault: BackupVault,
    private readonly source: KeySource,
    private readonly open: VaultOpener,
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
    const id = `${createdAt.replace(/[-:.]/g, '')}-${ids.length > 0 ? (ids[0] ?? '').slice(0, 8) : 'empty'}`;
    // The keys go with the backup, sealed to the offline restore key (ransomware takes the key directory too).
    const meta = await readStoreKeyMeta(this.vault.store.db);
    const bundle = meta === undefined ? undefined : collectKeyBundle(this.source.keyDir, meta);
    if (bundle !== undefined && !bundle.ok) return bundle;
    const manifest: Manifest = {
      format: 'trialvault-backup-v1',
      id,
      createdAt,
      origin: this.vault.ledger.origin,
      snapshot: {
        format: snapshot.format,
        bytes,
        sha256,
      },
      chunks: ids,
      checkpoint: cp === undefined ? null : { size: cp.size, root: cp.root, note: cp.note },
      ...(bundle === undefined ? {} : { keys: sealBundle(config.value.publicKey, id, bundle.value) }),
    };
    const signature = sign(null, manifestBytes(manifest), keys.value.privateKey).toString('base64');
    target.putManifest(manifest.id, Buffer.from(`${JSON.stringify({ manifest, signature }, null, 2)}\n`));
    // A copy of the witness beside the backups, so a restore on a wiped machine still has it.
    const witnessFile = this.source.witnessFile ?? join(this.source.keyDir, 'witness.log');
    if (existsSync(witnessFile)) target.putWitness(manifest.id, readFileSync(witnessFile));
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
  #readTarget(targetOverride: string | undefined): Result<string> {
    if (targetOverride !== undefined) return ok(targetOverride);
    const config = loadBackupConfig(this.source.keyDir);
    return config.ok ? ok(config.value.target) : config;
  }

  /**
   * Decrypts the backup into a temporary store with its own keys and runs the ledger verification on it
   * (recover.ts: nothing from the live store is needed); the result is recorded in the live store.
   */
  async verify(
    id: string | undefined,
    restoreKeyFile: string,
    targetOverride?: string,
  ): Promise<Result<BackupVerification>> {
    const target = this.#readTarget(targetOverride);
    if (!target.ok) return target;
    const result = await verifyBackup(
      { target: target.value, restoreKeyFile, id, survivingKeys: this.source },
      this.open,
    );
    // Recorded in the live store when it answers; verifying must also work while it is down (ransomware).
    if (result.ok) await recordVerification(this.vault, result.value).catch(() => undefined);
    return result;
  }

  /**
   * Restores a backup into a new store in `toDir` (keys into `keyDir`, by default beside it) and records
   * the restore in its ledger with the loss window (restore.ts).
   */
  async restore(
    actor: Actor,
    id: string | undefined,
    restoreKeyFile: string,
    toDir: string,
    targetOverride?: string,
    keyDir = `${toDir}-keys`,
  ): Promise<Result<RestoreReport>> {
    const allowed = await this.#operator(actor);
    if (!allowed.ok) return allowed;
    const target = this.#readTarget(targetOverride);
    if (!target.ok) return target;
    return restoreBackup(
      actor,
      { target: target.value, restoreKeyFile, id, survivingKeys: this.source },
      { dataDir: toDir, keyDir },
      this.open,
    );
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
