import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import type { Finding } from '../ledger/verify.js';
import { countersCheck } from './counters-check.js';

for (const dialect of DIALECTS) {
  describe(`counters check (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
      await seedStudy(t.vault);
    });
    afterEach(async () => t.cleanup());

    async function run(): Promise<Finding[]> {
      const check = countersCheck();
      for (const event of await t.vault.store.db.selectFrom('audit_events').select('seq').execute())
        check.collect(event);
      const found: Finding[] = [];
      await check.finish({ db: t.vault.store.db, find: (f) => found.push(f) });
      return found;
    }

    it('issue #17: audit_seq equals the event count; lowered, raised or deleted it is named', async () => {
      expect(await run()).toEqual([]);
      const counter = t.vault.store.db.updateTable('counters').where('name', '=', 'audit_seq');
      await counter.set((eb) => ({ value: eb('value', '-', 1) })).execute();
      expect((await run()).map((f) => [f.table, f.row, f.kind])).toEqual([
        ['counters', 'audit_seq', 'modified'],
      ]);
      await counter.set((eb) => ({ value: eb('value', '+', 5) })).execute();
      expect((await run()).map((f) => f.kind)).toEqual(['modified']);
      await t.vault.store.db.deleteFrom('counters').where('name', '=', 'audit_seq').execute();
      expect((await run()).map((f) => f.kind)).toEqual(['deleted']);
    });
  });
}
