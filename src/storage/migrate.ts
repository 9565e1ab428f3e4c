import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Dialect } from './dialect.js';
import { vaultCoreMigration } from './migrations/0001-vault-core.js';
import { ledgerMigration } from './migrations/0002-ledger.js';
import { accessMigration } from './migrations/0003-access.js';
import { accessEpochMigration } from './migrations/0004-access-epoch.js';
import { devicesMigration } from './migrations/0005-devices.js';
import { ledgerFrontierMigration } from './migrations/0006-ledger-frontier.js';
import { deviceLastSamplesMigration } from './migrations/0007-device-last-samples.js';
import { secondFactorsMigration } from './migrations/0008-second-factors.js';
import { breakGlassReviewMigration } from './migrations/0009-break-glass-review.js';
import { rowSealsMigration } from './migrations/0010-row-seals.js';
import { exportsMigration } from './migrations/0011-exports.js';
import { schedulesMigration } from './migrations/0012-schedules.js';
import { exportRecipientKeysMigration } from './migrations/0013-export-recipient-keys.js';
import { recordSealsMigration } from './migrations/0014-record-seals.js';
import type { Database } from './schema.js';

/** Versioned migrations, applied in order at start; each runs in its own transaction. */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-vault-core': vaultCoreMigration(dialect),
    '0002-ledger': ledgerMigration(dialect),
    '0003-access': accessMigration(dialect),
    '0004-access-epoch': accessEpochMigration(dialect),
    '0005-devices': devicesMigration(dialect),
    '0006-ledger-frontier': ledgerFrontierMigration(dialect),
    '0007-device-last-samples': deviceLastSamplesMigration(),
    '0008-second-factors': secondFactorsMigration(dialect),
    '0009-break-glass-review': breakGlassReviewMigration(),
    '0010-row-seals': rowSealsMigration(dialect),
    '0011-exports': exportsMigration(dialect),
    '0012-schedules': schedulesMigration(dialect),
    '0013-export-recipient-keys': exportRecipientKeysMigration(),
    '0014-record-seals': recordSealsMigration(dialect),
  };
}

/**
 * Applies pending migrations. With a PostgreSQL schema, Kysely's own bookkeeping tables are named in
 * that schema explicitly: its existence check would otherwise see another schema's tables.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  dialect: Dialect,
  schema?: string,
): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({
    db,
    provider,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  // Kysely's existence checks introspect every table of the database; a schema dropped at that moment
  // by someone else fails the check before any migration runs. Nothing was applied then: try again.
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (error === undefined) return;
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    if (failed === undefined && results === undefined && attempt < 3) continue;
    throw new Error(
      `migration ${failed ?? 'unknown'} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
