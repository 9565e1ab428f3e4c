import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/** The audit ledger: leaf hashes of events and signed checkpoints (tree heads). */
export function ledgerMigration(dialect: Dialect): Migration {
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('ledger_checkpoints')
        .addColumn('size', 'integer', (c) => c.primaryKey())
        .addColumn('root', binary, (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .execute();
      // A MAC of each event's leaf hash under a key kept outside the database: a row inserted or edited
      // with SQL alone no longer matches it, which names the row; signed checkpoints and the witness
      // catch the rest.
      await db.schema.alterTable('audit_events').addColumn('leaf_mac', binary).execute();
    },
  };
}
