import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Each checkpoint keeps its tree's frontier, so a cold process checkpoints without rehashing the log. */
export function ledgerFrontierMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('ledger_checkpoints')
        .addColumn('frontier', dialect === 'postgres' ? 'bytea' : 'blob')
        .execute();
    },
  };
}
