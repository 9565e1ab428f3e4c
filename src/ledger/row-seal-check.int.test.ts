import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';

for (const dialect of DIALECTS) {
  describe(`verify: row seals (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    const found = async () =>
      (await t.vault.ledger.verify()).findings
        .filter((f) => f.table === 'studies' || f.table === 'sites')
        .map((f) => `${f.table} ${f.kind}`);

    it('issue #17: an older row restored with its valid MAC, a changed column, a deleted and an inserted row are each named', async () => {
      const study = await seedStudy(t.vault);
      const report = await t.vault.ledger.verify();
      expect(report.findings).toEqual([]);
      expect(report.counts['studies rows']).toBe(1);
      const db = t.vault.store.db;
      const older = await sql<Record<string, unknown>>`select * from studies where id = ${study.id}`.execute(
        db,
      );
      expectOk(await t.vault.studies.setStatus(CLI_ACTOR, study.id, 'live'));
      expect(await found()).toEqual([]);
      // The row as it was before the status change: its MAC holds, but the ledger sealed a newer one.
      const row = older.rows[0] as Record<string, unknown>;
      await sql`update studies set status = ${row.status}, row_seq = ${row.row_seq}, row_mac = ${row.row_mac}, updated_at = ${row.updated_at} where id = ${study.id}`.execute(
        db,
      );
      expect(await found()).toEqual(['studies modified']);
      const sites = (await sql<Record<string, unknown>>`select * from sites order by code`.execute(db)).rows;
      const [north, south] = sites as [Record<string, unknown>, Record<string, unknown>];
      await sql`update sites set name = 'Elsewhere' where id = ${north.id}`.execute(db);
      await sql`delete from sites where id = ${south.id}`.execute(db);
      // A row the server never wrote (no MAC; one with a copied MAC is named as modified).
      await sql`insert into sites (id, study_id, code, name, created_at, row_seq, row_mac) values (${'forged-site'}, ${study.id}, ${'S99'}, ${'Forged'}, ${String(north.created_at)}, ${north.row_seq}, null)`.execute(
        db,
      );
      expect((await found()).sort()).toEqual(
        ['studies modified', 'sites modified', 'sites deleted', 'sites inserted'].sort(),
      );
    });
  });
}
