import type { Kysely, Migration } from 'kysely';

/**
 * Each device keeps its last plausible sample per metric, sealed: the rate and flat-line checks of its
 * next upload compare against it even after a restart or in another server process.
 */
export function deviceLastSamplesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('devices').addColumn('last_samples', 'text').execute();
    },
  };
}
