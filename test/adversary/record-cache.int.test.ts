import { describe, expect, it } from 'vitest';
import { DbaStore } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Records kept between requests (storage/snapshot-cache.ts, issue #17): from the database
 * administrator's seat, SQL on the file of a running server right after a record was read (and kept)
 * is never answered from what was kept. Cache entries stand only while nothing is committed to the
 * file, and every read checks the row's MACs again (ASVS 8.3.1; 21 CFR 11.10(a)).
 */
for (const dialect of DIALECTS) {
  describe(`records kept between reads, changed in SQL (${dialect})`, () => {
    it('issue #17: a version rewritten, then put back, then its record deleted, each right after a kept read', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const p = await s.participant('S01');
        const browser = await s.browser(coordinator);
        const url = `/api/v1/records/${p.demog}`;
        const first = await s.call(browser, 'GET', url);
        expect(first.status).toBe(200);
        expect((await s.call(browser, 'GET', url)).body).toEqual(first.body);
        let held = '';
        await s.sql(async (db) => {
          const row = await db.one('select clear_values from record_versions where record_id = ?', p.demog);
          held = String(row.clear_values);
          await db.run("update record_versions set clear_values = '{}' where record_id = ?", p.demog);
        });
        const forged = await s.call(browser, 'GET', url);
        expect(forged.status, JSON.stringify(forged.body)).toBe(500);
        expect(forged.body?.error?.code).toBe('ROW_TAMPERED');
        // Put back as it was: the sealed record is shown again, never the forged value.
        await s.sql(async (db) => {
          await db.run('update record_versions set clear_values = ? where record_id = ?', held, p.demog);
        });
        expect((await s.call(browser, 'GET', url)).body).toEqual(first.body);
        await s.sql(async (db) => {
          await db.run('delete from record_versions where record_id = ?', p.demog);
          await db.run('delete from records where id = ?', p.demog);
        });
        const gone = await s.call(browser, 'GET', url);
        expect(gone.status).not.toBe(200);
      }));
  });
}
