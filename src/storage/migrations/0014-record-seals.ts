import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Record seals (issue #17): `records` and `record_versions` get the row seal columns of 0010-row-seals
 * (row_seq, row_mac), so that the server refuses a record or version changed in SQL when it reads it,
 * not only when `verify` replays the events. Existing rows are sealed once, by the vault on its first
 * open with keys, under one audited `ledger.records-sealed` event (app/row-seal-startup.ts).
 */
export function recordSealsMigration(dialect: Dialect): Migration {
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const table of ['records', 'record_versions']) {
        await db.schema.alterTable(table).addColumn('row_seq', 'bigint').execute();
        await db.schema.alterTable(table).addColumn('row_mac', binary).execute();
      }
    },
  };
}
