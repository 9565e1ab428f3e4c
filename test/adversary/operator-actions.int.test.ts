import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVault } from '../../src/app/vault.js';
import { BackupService } from '../../src/backup/service.js';
import type { Result } from '../../src/core/result.js';
import { userWithRole } from '../support/access.js';
import { type Arena, arena } from '../support/adversary.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Finding 9 of issue #12: operator checks (`actor.kind !== 'system'`) bypassed the authorizer, so their
 * refusals left no audit event. keys.rotate, backup.run and demo.seed are actions no role holds, decided
 * by the authorizer like every other: refused and audited (21 CFR 11.10(d); ASVS 8.1.1, 16.3.2). None has
 * an HTTP route, so the services are called as a signed-in system administrator would reach them.
 */
for (const dialect of DIALECTS) {
  describe(`operator actions go through the authorizer (${dialect})`, () => {
    let a: Arena;
    beforeAll(async () => {
      a = await arena(dialect);
    });
    afterAll(async () => a.close());

    it('21 CFR 11.10(d): a system administrator (a person) is refused key rotation, backups and the demo seed, and each refusal is audited', async () => {
      const vault = a.t.vault;
      const backups = new BackupService(vault, { keyDir: a.t.keyDir, passphrase: undefined }, openVault);
      for (const role of ['system_admin', 'study_admin', 'auditor'] as const) {
        const { actor } = await userWithRole(vault, role, a.study.id);
        const attempts: [string, () => Promise<Result<unknown>>][] = [
          ['keys.rotate', () => vault.keys.rotateStudy(actor, a.study.id)],
          ['backup.run', () => backups.init(actor, join(a.t.dir, 'bk'), join(a.t.dir, 'restore.key'))],
          ['backup.run', () => backups.create(actor)],
          [
            'backup.run',
            () => backups.restore(actor, undefined, join(a.t.dir, 'restore.key'), join(a.t.dir, 'r')),
          ],
          ['demo.seed', () => vault.demo.seed(actor)],
        ];
        for (const [action, attempt] of attempts) {
          const before = await vault.store.db
            .selectFrom('audit_events')
            .select('details')
            .where('action', '=', 'access.denied')
            .execute();
          const result = await attempt();
          expect(result.ok ? 'allowed' : result.error.code, `${role} ${action}`).toBe('FORBIDDEN');
          const after = await vault.store.db
            .selectFrom('audit_events')
            .select(['details', 'actor'])
            .where('action', '=', 'access.denied')
            .execute();
          expect(after.length).toBe(before.length + 1);
          expect(JSON.parse(after.at(-1)?.details ?? '{}').action).toBe(action);
          expect(after.at(-1)?.actor).toBe(`user:${actor.id}`);
        }
      }
    });
  });
}
