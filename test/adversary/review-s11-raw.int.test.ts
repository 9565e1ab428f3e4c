import { describe, expect, it } from 'vitest';
import { DbaStore } from '../support/dba.js';

/**
 * Review s11, beside review-s11.int.test.ts: the raw hot reads (sqlite-routing.ts, RawReads) keep each
 * prepared read's column names from its first prepare; columns added to a table under a running server
 * shift every name after `table.*`. Records: what is shown stays what was sealed.
 */
describe('review s11: columns added under a running server (sqlite)', () => {
  it('S11-10: three columns added live to records (their values under form_oid, subject_id, site_id) never put the DBA values in the record view', async () =>
    DbaStore.with('sqlite', async (s) => {
      const coordinator = await s.person('coordinator', 'S01');
      const p = await s.participant('S01');
      const elsewhere = await s.participant('S02');
      const browser = await s.browser(coordinator);
      expect((await s.call(browser, 'GET', `/api/v1/records/${p.demog}`)).status).toBe(200);
      const site = await s.siteId('S02');
      await s.sql(async (db) => {
        for (const c of ['n1', 'n2', 'n3']) await db.run(`alter table records add column ${c} text`);
        await db.run("update records set n1 = 'DEMOG', n2 = 'S02-0001', n3 = ? where id = ?", site, p.demog);
      });
      const read = await s.call(browser, 'GET', `/api/v1/records/${p.demog}`);
      // Refused, or the sealed record as it was: never the DBA's values under the shifted names.
      if (read.status === 200) expect(read.body?.subjectId).toBe('S01-0001');
      else expect(read.body?.error?.code, JSON.stringify(read.body)).toBe('ROW_TAMPERED');
      expect(JSON.stringify(read.body)).not.toContain('S02-0001');
      const other = await s.call(browser, 'GET', `/api/v1/records/${elsewhere.demog}`);
      expect(other.status, JSON.stringify(other.body)).not.toBe(200);
    }));
});
