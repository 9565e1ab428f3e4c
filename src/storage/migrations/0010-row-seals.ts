import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Row seals (issue #17, docs/ledger.md): every table whose rows may be bound by a row MAC gets row_seq
 * (the sequence number of the audit event that last wrote the row) and row_mac (HMAC-SHA-256 under the
 * row key, which only the key directory can derive). Events get row_seals, the ledger seals of the rows
 * they wrote (in the leaf only when set, so earlier leaves are unchanged). Existing rows are sealed once,
 * by the vault on its first open with keys, under one audited `ledger.rows-sealed` event.
 */
export const ROW_SEALED_TABLES = [
  'meta',
  'studies',
  'sites',
  'study_keys',
  'forms',
  'form_versions',
  'participants',
  'participant_keys',
  'participant_lookup',
  'users',
  'recovery_codes',
  'sessions',
  'passkeys',
  'api_tokens',
  'grants',
  'break_glass',
  'alerts',
  'signatures',
  'devices',
  'telemetry_policies',
] as const;

export function rowSealsMigration(dialect: Dialect): Migration {
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const table of ROW_SEALED_TABLES) {
        await db.schema.alterTable(table).addColumn('row_seq', 'bigint').execute();
        await db.schema.alterTable(table).addColumn('row_mac', binary).execute();
      }
      await db.schema.alterTable('audit_events').addColumn('row_seals', 'text').execute();
    },
  };
}
