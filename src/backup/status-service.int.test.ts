import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userWithRole } from '../../test/support/access.js';
import { seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk, ok } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';

for (const dialect of DIALECTS) {
  describe(`backup status (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    it('ICH E6(R3) 4.3.3: shows the last backup, the last verified restore and the recovery point, to system administrators only', async () => {
      const study = await seedStudy(t.vault);
      const admin = await userWithRole(t.vault, 'system_admin', undefined);
      const coordinator = await userWithRole(t.vault, 'coordinator', study.id, 'S01');
      expect(expectOk(await t.vault.backupStatus.status(admin.actor))).toEqual({
        lastBackup: null,
        lastVerified: null,
        recoveryPoint: null,
      });
      const event = (
        action: 'backup.create' | 'backup.verify',
        outcome: 'success' | 'failure',
        details = {},
      ) =>
        transact(t.vault.store.db, async (trx) => {
          await appendAuditEvent(trx, t.vault.deps, {
            actor: CLI_ACTOR,
            action,
            outcome,
            target: 'b-1',
            details,
          });
          return ok(null);
        });
      await event('backup.create', 'success');
      await event('backup.verify', 'success', { createdAt: '2026-11-28T08:00:00.000Z' });
      await event('backup.verify', 'failure');
      const status = expectOk(await t.vault.backupStatus.status(admin.actor));
      expect(status.lastBackup?.id).toBe('b-1');
      expect(status.lastVerified?.ok).toBe(false);
      expect(status.recoveryPoint).toBe('2026-11-28T08:00:00.000Z');
      const denied = await t.vault.backupStatus.status(coordinator.actor);
      expect(denied.ok ? null : denied.error.code).toBe('FORBIDDEN');
    });
  });
}
