import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Exports (issue #16): the per-study export key and k-anonymity threshold, the recipients (with their
 * data use agreement and blinding), the dual-control requests for identified exports, and every export
 * made (its files' SHA-256, the risk report, and the one download it allows). Each table carries the
 * row seal columns of 0010-row-seals (issue #17): row_seq and row_mac, sealed under the row's audit event.
 */
export function exportsMigration(dialect: Dialect): Migration {
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('export_settings')
        .addColumn('study_id', 'text', (c) => c.primaryKey().references('studies.id'))
        .addColumn('k_threshold', 'integer', (c) => c.notNull())
        .addColumn('key_sealed', binary, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('row_seq', 'bigint')
        .addColumn('row_mac', binary)
        .execute();
      await db.schema
        .createTable('export_recipients')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('study_id', 'text', (c) => c.notNull().references('studies.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('unblinded', 'integer', (c) => c.notNull())
        .addColumn('dua_reference', 'text')
        .addColumn('dua_expires_on', 'text')
        .addColumn('recorded_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('export_recipients_name', ['study_id', 'name'])
        .addColumn('row_seq', 'bigint')
        .addColumn('row_mac', binary)
        .execute();
      await db.schema
        .createTable('export_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('study_id', 'text', (c) => c.notNull().references('studies.id'))
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_role', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('approved_by', 'text')
        .addColumn('approved_role', 'text')
        .addColumn('approved_at', 'text')
        .addColumn('export_id', 'text')
        .addColumn('row_seq', 'bigint')
        .addColumn('row_mac', binary)
        .execute();
      await db.schema
        .createTable('exports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('study_id', 'text', (c) => c.notNull().references('studies.id'))
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('downloaded_at', 'text')
        .addColumn('canaries', 'integer', (c) => c.notNull())
        .addColumn('files', 'text', (c) => c.notNull())
        .addColumn('report', 'text', (c) => c.notNull())
        .addColumn('row_seq', 'bigint')
        .addColumn('row_mac', binary)
        .execute();
      await db.schema
        .createIndex('exports_study')
        .on('exports')
        .columns(['study_id', 'created_at'])
        .execute();
    },
  };
}
