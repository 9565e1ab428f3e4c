import { describe, expect, it } from 'vitest';
import { DbaStore } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Grants from the database administrator's seat (issue #17): a grant inserted, its role or its site
 * changed in SQL on the stopped store. The server, started again on it, never honours the row: the
 * request is refused with the typed error, the refusal is audited and the system administrators are
 * alerted (ASVS 8.2.1, 8.3.1: authorization decided on trusted data; 21 CFR 11.10(d), 11.10(g)).
 */
for (const dialect of DIALECTS) {
  describe(`DBA: grants changed in SQL are never honoured (${dialect})`, () => {
    it('ASVS 8.3.1 / ICH E9 2.3.1 / 21 CFR 11.10(d): a grant inserted in SQL (a copy of an unblinded grant, seal included) gives a statistician no ARM or KIT', async () =>
      DbaStore.with(dialect, async (s) => {
        const statistician = await s.person('statistician');
        const pharmacist = await s.person('unblinded_pharmacist');
        const p = await s.participant('S01');
        await s.tamper(async (db) => {
          await db.copyRow(
            'grants',
            { user_id: pharmacist.userId },
            { id: 'grant-forged', user_id: statistician.userId },
          );
        });
        const read = await s.as(statistician, 'GET', `/api/v1/records/${p.rand}?reveal=true`);
        expect(JSON.stringify(read.body)).not.toContain('K12345');
        await s.expectRefused(read, 'grants');
        await s.expectFound('grants');
      }));

    it("ASVS 8.2.1 / 21 CFR 11.10(g): a coordinator whose grant's role is changed to study_admin in SQL cannot grant roles", async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const monitor = await s.person('monitor');
        await s.tamper(async (db) => {
          expect(
            await db.run(
              `update grants set role = 'study_admin', site_id = null where user_id = ?`,
              coordinator.userId,
            ),
          ).toBe(1);
        });
        const granted = await s.as(coordinator, 'POST', '/api/v1/grants', {
          email: monitor.email,
          role: 'data_manager',
          study: s.study.id,
        });
        expect(granted.status).not.toBe(201);
        await s.expectRefused(granted, 'grants');
        await s.expectFound('grants');
      }));

    it("ASVS 8.2.2 / HIPAA 164.312(a)(1): a coordinator whose grant's site is changed in SQL reads no participant of the other site", async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const other = await s.participant('S02');
        const s02 = await s.siteId('S02');
        await s.tamper(async (db) => {
          expect(
            await db.run('update grants set site_id = ? where user_id = ?', s02, coordinator.userId),
          ).toBe(1);
        });
        const read = await s.as(coordinator, 'GET', `/api/v1/participants/${other.id}`);
        expect(read.status).not.toBe(200);
        await s.expectRefused(read, 'grants');
        await s.expectFound('grants');
      }));
  });
}
