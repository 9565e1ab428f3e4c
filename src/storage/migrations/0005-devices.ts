import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';
import { createEpochTriggers } from './0004-access-epoch.js';

/**
 * Wearable devices and their telemetry: one row per device (with its sequence state), one per accepted
 * upload, and one sealed column block per upload and metric (never a row per sample).
 */
export function devicesMigration(dialect: Dialect): Migration {
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('study_id', 'text', (c) => c.notNull().references('studies.id'))
        .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id'))
        .addColumn('model', 'text', (c) => c.notNull())
        // A device serial number is a HIPAA identifier (164.514(b)(2)(i)(M)): sealed like one.
        .addColumn('serial_sealed', 'text', (c) => c.notNull())
        .addColumn('firmware', 'text', (c) => c.notNull())
        .addColumn('metrics', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('alg', 'integer')
        .addColumn('public_key', binary)
        .addColumn('enrollment_hash', binary, (c) => c.unique())
        .addColumn('enrollment_expires_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('enrolled_at', 'text')
        .addColumn('boot', big)
        .addColumn('top_seq', big, (c) => c.notNull())
        .addColumn('seq_window', 'text', (c) => c.notNull())
        .addColumn('top_hash', binary)
        .addColumn('offset_ms', big)
        .addColumn('last_upload_at', 'text')
        .addColumn('uploads_accepted', big, (c) => c.notNull())
        .addColumn('uploads_refused', big, (c) => c.notNull())
        .addColumn('samples_quarantined', big, (c) => c.notNull())
        .addColumn('last_flags', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('devices_participant').on('devices').columns(['participant_id']).execute();
      await db.schema
        .createTable('telemetry_uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('study_id', 'text', (c) => c.notNull())
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('boot', big, (c) => c.notNull())
        .addColumn('seq', big, (c) => c.notNull())
        .addColumn('message_hash', binary, (c) => c.notNull())
        .addColumn('content_mac', binary, (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('sent_ms', big, (c) => c.notNull())
        .addColumn('sample_count', 'integer', (c) => c.notNull())
        .addColumn('quarantined', 'integer', (c) => c.notNull())
        .addColumn('flags', 'text', (c) => c.notNull())
        // The replay window's backstop: one device never has two uploads with one (boot, seq).
        .addUniqueConstraint('telemetry_uploads_sequence', ['device_id', 'boot', 'seq'])
        .execute();
      await db.schema
        .createIndex('telemetry_uploads_content')
        .on('telemetry_uploads')
        .columns(['device_id', 'content_mac'])
        .execute();
      await db.schema
        .createTable('telemetry_blocks')
        .addColumn('upload_id', 'text', (c) => c.notNull().references('telemetry_uploads.id'))
        .addColumn('metric', 'integer', (c) => c.notNull())
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('start_ms', big, (c) => c.notNull())
        .addColumn('end_ms', big, (c) => c.notNull())
        .addColumn('sample_count', 'integer', (c) => c.notNull())
        .addColumn('quarantined', 'integer', (c) => c.notNull())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('telemetry_blocks_pk', ['upload_id', 'metric'])
        .execute();
      await db.schema
        .createIndex('telemetry_blocks_series')
        .on('telemetry_blocks')
        .columns(['participant_id', 'metric', 'start_ms'])
        .execute();
      await db.schema
        .createTable('telemetry_policies')
        .addColumn('study_id', 'text', (c) => c.primaryKey().references('studies.id'))
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // Status, key and binding changes empty the access cache, like a revoked grant (0004).
      await createEpochTriggers(db, dialect, 'devices', 'status, alg, public_key, study_id, participant_id');
    },
  };
}
