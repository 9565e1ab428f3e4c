import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Dialect } from './dialect.js';
import { vaultCoreMigration } from './migrations/0001-vault-core.js';
import { ledgerMigration } from './migrations/0002-ledger.js';
import { accessMigration } from './migrations/0003-access.js';
import { accessEpochMigration } from './migrations/0004-access-epoch.js';
import type { Database } from './schema.js';

/** Versioned migrations, applied in order at start; each runs in its own transaction. */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-vault-core': vaultCoreMigration(dialect),
    '0002-ledger': ledgerMigration(dialect),
    '0003-access': accessMigration(dialect),
    '0004-access-epoch': accessEpochMigration(dialect),
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
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
