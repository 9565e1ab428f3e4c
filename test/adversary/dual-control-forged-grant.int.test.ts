import { describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../support/access.js';
import { DbaStore } from '../support/dba.js';
import { rawDb } from '../support/dba-sql.js';
import { codeAt } from '../support/http-auth.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s13 (attack-seals 4, fixed): an export approval takes the approver's role from
 * `grantsOfActiveUser`, read unchecked (src/export/dual-control.ts `#roles`), and seals it into the
 * request row (`approved_role`) under `export.approve`. The authorization itself came from the access
 * cache (checked rows). A database administrator inserts a study_admin grant for a second principal
 * investigator in one transaction with the access epoch put back (so no cache drops), the PI approves
 * a request of a fellow PI ("the approver's role must differ" defeated), and the forged grant is
 * deleted. The request row was sealed as approved by a study_admin: `verify` found nothing. Fixed:
 * the roles come from checked grant rows only.
 */
for (const dialect of DIALECTS) {
  describe(`review s13: dual control is never decided on an unchecked grant (${dialect})`, () => {
    it('a forged grant (the access epoch held still) is refused; the request stays pending', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const pi2 = await s.person('principal_investigator');
        const ask = { recipient: 'Sponsor safety desk', purpose: 'SUSAR reconciliation', format: 'csv' };
        const piB = await s.browser(pi);
        s.clock.advance(1);
        const req = await s.call(piB, 'POST', `/api/v1/studies/${s.study.id}/export-requests`, {
          ...ask,
          password: TEST_PASSWORD,
          totp: await codeAt(pi.secret, s.clock),
        });
        expect(req.status, JSON.stringify(req.body)).toBe(201);
        const id = (req.body as { id: string }).id;
        const pi2B = await s.browser(pi2);
        // The approver's grants cached under the current epoch (any authorized request).
        expect((await s.call(pi2B, 'GET', `/api/v1/studies/${s.study.id}/export-requests`)).status).toBe(200);
        const dba = await rawDb(s.place.location);
        try {
          await dba.run('begin');
          const epoch = await dba.one(`select value from counters where name = 'access_epoch'`);
          await dba.copyRow(
            'grants',
            { user_id: pi2.userId },
            { id: 'grant-forged', role: 'study_admin', site_id: null },
          );
          await dba.run(`update counters set value = ? where name = 'access_epoch'`, epoch.value);
          await dba.run('commit');
          s.clock.advance(1);
          const approved = await s.call(pi2B, 'POST', `/api/v1/export-requests/${id}/approve`, {
            password: TEST_PASSWORD,
            totp: await codeAt(pi2.secret, s.clock),
          });
          expect(approved.body?.error?.code, JSON.stringify(approved.body)).toBe('ROW_TAMPERED');
          await dba.run(`delete from grants where id = 'grant-forged'`);
        } finally {
          await dba.close();
        }
        const row = await s.vault.store.db
          .selectFrom('export_requests')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        expect(row.status).toBe('pending');
        expect(row.approved_role).toBeNull();
      }));
  });
}
