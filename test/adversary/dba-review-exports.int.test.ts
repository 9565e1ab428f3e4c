import { describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../support/access.js';
import { DbaStore, type Person } from '../support/dba.js';
import { codeAt } from '../support/http-auth.js';
import { DIALECTS } from '../support/stores.js';

/**
 * The export tables from the database administrator's seat (review of issue #17). Migration 0011
 * (issue #16) added export_settings, export_recipients, export_requests and exports after the row
 * seals: no binding declares them (src/ledger/table-coverage.int.test.ts is red on them), so a request
 * approved in SQL is honoured. HIPAA 164.308(a)(4), NIST SP 800-53 AC-5: dual control must not be
 * forgeable by one person holding the database.
 */
const FAR = '2030-01-01T00:00:00.000Z';
const ask = { recipient: 'Sponsor safety desk', purpose: 'SUSAR reconciliation', format: 'csv' };

for (const dialect of DIALECTS) {
  describe(`DBA review: export approvals written in SQL (${dialect})`, () => {
    // HOLE (unfixed): export_requests has no row seal and no verify check. The fix is a binding for
    // the four export tables (row seals written by export.request/approve/create, checked on read).
    it('HIPAA 164.308(a)(4) / NIST AC-5: an export request approved in SQL makes no identified export', async () =>
      DbaStore.with(dialect, async (s) => {
        const dm = await s.person('data_manager');
        const pi = await s.person('principal_investigator');
        await s.participant('S01');
        const reauth = async (who: Person) => {
          s.clock.advance(1);
          return { password: TEST_PASSWORD, totp: await codeAt(who.secret, s.clock) };
        };
        const browser = await s.browser(dm);
        const req = await s.call(browser, 'POST', `/api/v1/studies/${s.study.id}/export-requests`, {
          ...ask,
          ...(await reauth(dm)),
        });
        expect(req.status, JSON.stringify(req.body)).toBe(201);
        const id = (req.body as { id: string }).id;
        await s.tamper(async (db) => {
          expect(
            await db.run(
              "update export_requests set status = 'approved', approved_by = ?, approved_role = 'principal_investigator', approved_at = requested_at, expires_at = ? where id = ?",
              pi.userId,
              FAR,
              id,
            ),
          ).toBe(1);
        });
        const made = await s.as(dm, 'POST', `/api/v1/studies/${s.study.id}/exports`, {
          profile: 'identified',
          ...ask,
          request: id,
        });
        expect(made.status, JSON.stringify(made.body)).not.toBe(201);
        await s.expectFound('export_requests');
      }));
  });
}
