import type { Authorizer } from '../authz/authorizer.js';
import type { Actor } from '../core/actor.js';
import { ok, type Result } from '../core/result.js';
import type { VaultDeps } from '../vault/deps.js';
import type { BackupStatus } from './backup-view.js';
import { recentBackupEvents } from './status-repo.js';

export type { BackupStatus } from './backup-view.js';

/**
 * Backup status from the ledger itself (the backup.create and backup.verify events), for operators
 * and the web app (ICH E6(R3) 4.3.3: tested backup and recovery, visible to those who run the system).
 */
export class BackupStatusService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
  ) {}

  async status(actor: Actor): Promise<Result<BackupStatus>> {
    const permit = await this.authorizer.authorize(actor, 'backup.status');
    if (!permit.ok) return permit;
    const events = await recentBackupEvents(this.deps.db);
    const created = events.find((e) => e.action === 'backup.create');
    const verified = events.find((e) => e.action === 'backup.verify');
    const verifiedOk = events.find((e) => e.action === 'backup.verify' && e.ok);
    const point = verifiedOk === undefined ? null : (verifiedOk.createdAt ?? verifiedOk.at);
    return ok({
      lastBackup: created === undefined ? null : { id: created.target ?? '', at: created.at },
      lastVerified:
        verified === undefined ? null : { id: verified.target ?? '', at: verified.at, ok: verified.ok },
      recoveryPoint: point,
    });
  }
}
