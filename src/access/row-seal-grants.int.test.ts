import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userWithRole } from '../../test/support/access.js';
import { seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { expectOk } from '../core/result.js';
import { parseRowSeals } from '../ledger/row-seal-store.js';

for (const dialect of DIALECTS) {
  describe(`row-sealed grants (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => {
      await t.cleanup();
    });

    async function grantOf(userId: string) {
      return t.vault.store.db
        .selectFrom('grants')
        .selectAll()
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow();
    }

    it('issue #17: a grant carries the sequence number of its event, whose leaf holds its ledger seal', async () => {
      const study = await seedStudy(t.vault);
      const { user } = await userWithRole(t.vault, 'coordinator', study.id, 'S01');
      const grant = (await grantOf(user.id)) as Record<string, unknown>;
      expect(grant.row_mac).toBeInstanceOf(Buffer);
      const event = await t.vault.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '=', Number(grant.row_seq))
        .executeTakeFirstOrThrow();
      expect(event.action).toBe('grant.create');
      const [entry] = parseRowSeals(event.row_seals);
      expect(entry?.[0]).toBe('grants');
      expect(entry?.[1]).toEqual([grant.id]);
      expect(typeof entry?.[2]).toBe('string');
      expect((await t.vault.ledger.verify()).ok).toBe(true);
    });

    it('issue #17: a grant changed in SQL is never honoured: ROW_TAMPERED, an audit event and an alert that commit', async () => {
      const study = await seedStudy(t.vault);
      const { user, actor } = await userWithRole(t.vault, 'statistician', study.id);
      expectOk(await t.vault.authorizer.authorize(actor, 'participant.read', { studyId: study.id }));
      const grant = await grantOf(user.id);
      await t.vault.store.db
        .updateTable('grants')
        .set({ role: 'study_admin' })
        .where('id', '=', grant.id)
        .execute();
      for (let i = 0; i < 2; i++) {
        const refused = await t.vault.authorizer.authorize(actor, 'participant.read', { studyId: study.id });
        expect(refused.ok ? null : refused.error.code).toBe('ROW_TAMPERED');
      }
      const events = await t.vault.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'ledger.row-tampered')
        .execute();
      expect(events).toHaveLength(1);
      expect(events[0]?.outcome).toBe('failure');
      expect(JSON.parse(events[0]?.details ?? '{}')).toEqual({ table: 'grants', row: [grant.id] });
      const alerts = await t.vault.store.db
        .selectFrom('alerts')
        .selectAll()
        .where('kind', '=', 'row.tampered')
        .execute();
      expect(alerts).toHaveLength(1);
    });

    it('issue #17: a grant inserted in SQL (no MAC) or copied from another user is refused', async () => {
      const study = await seedStudy(t.vault);
      const admin = await userWithRole(t.vault, 'study_admin', study.id);
      const victim = await userWithRole(t.vault, 'monitor', study.id);
      const source = await grantOf(admin.user.id);
      const target = await grantOf(victim.user.id);
      // The admin's row MAC copied onto the monitor's grant, with the admin's role.
      await t.vault.store.db
        .updateTable('grants')
        .set({ role: source.role, row_mac: (source as { row_mac?: Buffer }).row_mac ?? null } as never)
        .where('id', '=', target.id)
        .execute();
      const copied = await t.vault.authorizer.authorize(victim.actor, 'participant.read', {
        studyId: study.id,
      });
      expect(copied.ok ? null : copied.error.code).toBe('ROW_TAMPERED');

      const stranger = await userWithRole(t.vault, 'finance', study.id);
      await t.vault.store.db
        .insertInto('grants')
        .values({
          id: 'forged',
          user_id: stranger.user.id,
          study_id: study.id,
          site_id: null,
          role: 'study_admin',
          created_at: new Date().toISOString(),
          revoked_at: null,
        })
        .execute();
      const inserted = await t.vault.authorizer.authorize(stranger.actor, 'participant.read', {
        studyId: study.id,
      });
      expect(inserted.ok ? null : inserted.error.code).toBe('ROW_TAMPERED');
    });
  });
}
