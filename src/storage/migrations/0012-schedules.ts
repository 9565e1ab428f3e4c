import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Visit schedules (issue #15 item 4): one per study, versioned, with the row seal columns of
 * 0010-row-seals (issue #17). Existing records keep their visit keys; a study without a schedule keeps
 * free keys (docs/schedule.md#compatibility).
 */
export function schedulesMigration(dialect: Dialect): Migration {
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('schedules')
        .addColumn('study_id', 'text', (c) => c.primaryKey().references('studies.id'))
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('row_seq', 'bigint')
        .addColumn('row_mac', binary)
        .execute();
    },
  };
}
