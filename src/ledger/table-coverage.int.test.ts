import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaTables } from '../../test/support/schema-tables.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { tableShape } from '../../test/support/tamper-ops.js';
import { allBindings } from './table-binding.js';

for (const dialect of DIALECTS) {
  describe(`every table of the schema is bound (${dialect})`, () => {
    let t: TestVault;
    let tables: string[];
    beforeAll(async () => {
      t = await freshVault(dialect); // builds the vault: the composition root registers every binding
      tables = await schemaTables(t.vault.store.db, dialect);
    });
    afterAll(async () => t.cleanup());

    it('issue #17 item 3: a table the database holds (migration bookkeeping included) without a declared binding fails, by name', () => {
      const declared = new Set(allBindings().map((b) => b.table));
      expect(tables.filter((table) => !declared.has(table))).toEqual([]);
      expect(tables).toContain('kysely_migration'); // the introspection sees bookkeeping tables too
    });

    it('issue #17 item 3: no binding names a table the schema lacks, and each says why', () => {
      const unknown = allBindings().filter((b) => !tables.includes(b.table));
      expect(unknown.map((b) => b.table)).toEqual([]);
      expect(
        allBindings()
          .filter((b) => b.reason.trim().length < 20)
          .map((b) => b.table),
      ).toEqual([]);
    });

    it('issue #17 item 1: a binding keys its rows by the primary key the database declares', async () => {
      const wrong: string[] = [];
      for (const binding of allBindings()) {
        if (!tables.includes(binding.table)) continue;
        const shape = await tableShape(t.vault.store.db, dialect, binding.table);
        if (shape.key.join(',') !== binding.key.join(','))
          wrong.push(`${binding.table}: declared ${binding.key.join(',')}, database ${shape.key.join(',')}`);
        const missing = (binding.volatile ?? []).filter((c) => !shape.columns.includes(c));
        if (missing.length > 0) wrong.push(`${binding.table}: volatile ${missing.join(',')} not a column`);
        if (
          binding.how === 'row-seal' &&
          !(shape.columns.includes('row_mac') && shape.columns.includes('row_seq'))
        )
          wrong.push(`${binding.table}: row-sealed without row_seq/row_mac`);
      }
      expect(wrong).toEqual([]);
    });
  });
}
