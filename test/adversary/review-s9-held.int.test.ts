import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import type { Answer } from '../support/adversary.js';
import { DbaStore, type Person, TAMPERED } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s9: SQL moves on the export path that held (the server refuses them while it runs, no
 * restart needed). Kept as regression tests beside the open findings (review-s9-*.int.test.ts).
 */
const preview = (s: DbaStore, pi: Person): Promise<Answer> =>
  s.as(pi, 'POST', `/api/v1/studies/${s.study.id}/export-previews`, { profile: 'deidentified' });

async function six(s: DbaStore) {
  const ps = [];
  for (let i = 0; i < 6; i++) ps.push(await s.participant('S01'));
  return ps;
}

for (const dialect of DIALECTS) {
  describe(`review s9: export tampering that held (${dialect})`, () => {
    it('two records swapped between participants are refused by the export', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const [a, b] = await six(s);
        await s.sql(async (db) => {
          const move = 'update records set participant_id = ? where id = ?';
          await db.run(move, 'swap', a?.rand);
          await db.run(move, a?.id, b?.rand);
          await db.run(move, b?.id, a?.rand);
        });
        expect((await preview(s, pi)).body?.error?.code).toBe(TAMPERED);
      }));

    it("a record's version number pointed at its older version row is refused by the export", async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const [a] = await six(s);
        expectOk(
          await s.vault.records.update(CLI_ACTOR, a?.demog ?? '', { changes: { SEX: 'M' }, reason: 'Fix' }),
        );
        await s.sql((db) => db.run('update records set version = 1 where id = ?', a?.demog));
        expect((await preview(s, pi)).body?.error?.code).toBe(TAMPERED);
      }));

    it("version rows swapped between two records' current versions are refused by the export", async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const [a, b] = await six(s);
        await s.sql(async (db) => {
          await db.run(`update record_versions set record_id = 'swap' where record_id = ?`, a?.rand);
          await db.run('update record_versions set record_id = ? where record_id = ?', a?.rand, b?.rand);
          await db.run(`update record_versions set record_id = ? where record_id = 'swap'`, b?.rand);
        });
        expect((await preview(s, pi)).body?.error?.code).toBe(TAMPERED);
      }));

    it('an older records row put back while the server runs (mark held) is refused by the export', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const [a] = await six(s);
        const v1 = await s.sql((db) => db.all('select * from records where id = ?', a?.demog));
        expectOk(
          await s.vault.records.update(CLI_ACTOR, a?.demog ?? '', { changes: { SEX: 'M' }, reason: 'Fix' }),
        );
        await s.sql((db) => db.restoreRows('records', v1));
        expect((await preview(s, pi)).body?.error?.code).toBe(TAMPERED);
      }));

    it('a records row with row_seq set to NULL (to dodge the mark) is refused by the export', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const [a] = await six(s);
        await s.sql((db) => db.run('update records set row_seq = null where id = ?', a?.demog));
        expect((await preview(s, pi)).body?.error?.code).toBe(TAMPERED);
      }));
  });
}
