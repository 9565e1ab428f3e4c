import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/** The vault core: studies, sites, keys, forms, participants, versioned records and audit events. */
export function vaultCoreMigration(dialect: Dialect): Migration {
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('counters')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('studies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('protocol_id', 'text', (c) => c.notNull().unique())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('is_demo', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sites')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('study_id', 'text', (c) => c.notNull().references('studies.id'))
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('sites_study_code', ['study_id', 'code'])
        .execute();
      await db.schema
        .createTable('study_keys')
        .addColumn('study_id', 'text', (c) => c.notNull().references('studies.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('wrapped_key', binary, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('study_keys_pk', ['study_id', 'version'])
        .execute();
      await db.schema
        .createTable('forms')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('study_id', 'text', (c) => c.notNull().references('studies.id'))
        .addColumn('oid', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('forms_study_oid', ['study_id', 'oid'])
        .execute();
      await db.schema
        .createTable('form_versions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('form_id', 'text', (c) => c.notNull().references('forms.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('published_at', 'text')
        .addUniqueConstraint('form_versions_form_version', ['form_id', 'version'])
        .execute();
      await db.schema
        .createTable('participants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('study_id', 'text', (c) => c.notNull().references('studies.id'))
        .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('consent_date_sealed', binary)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('erased_at', 'text')
        .addUniqueConstraint('participants_study_subject', ['study_id', 'subject_id'])
        .execute();
      await db.schema.createIndex('participants_site').on('participants').columns(['site_id']).execute();
      await db.schema
        .createTable('participant_keys')
        .addColumn('participant_id', 'text', (c) => c.primaryKey().references('participants.id'))
        .addColumn('study_id', 'text', (c) => c.notNull().references('studies.id'))
        .addColumn('kek_version', 'integer', (c) => c.notNull())
        .addColumn('key_version', 'integer', (c) => c.notNull())
        .addColumn('wrapped_key', binary, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('participant_keys_study_kek')
        .on('participant_keys')
        .columns(['study_id', 'kek_version'])
        .execute();
      await db.schema
        .createTable('participant_lookup')
        .addColumn('study_id', 'text', (c) => c.notNull().references('studies.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('token', binary, (c) => c.notNull())
        .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id'))
        .addPrimaryKeyConstraint('participant_lookup_pk', ['study_id', 'kind', 'token', 'participant_id'])
        .execute();
      await db.schema
        .createIndex('participant_lookup_participant')
        .on('participant_lookup')
        .columns(['participant_id'])
        .execute();
      await db.schema
        .createTable('records')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('study_id', 'text', (c) => c.notNull().references('studies.id'))
        .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id'))
        .addColumn('form_id', 'text', (c) => c.notNull().references('forms.id'))
        .addColumn('visit', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('locked', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('records_participant_form_visit', ['participant_id', 'form_id', 'visit'])
        .execute();
      await db.schema
        .createTable('record_versions')
        .addColumn('record_id', 'text', (c) => c.notNull().references('records.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('form_version_id', 'text', (c) => c.notNull().references('form_versions.id'))
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('clear_values', 'text', (c) => c.notNull())
        .addColumn('sealed_values', 'text', (c) => c.notNull())
        .addColumn('changed_fields', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('record_versions_pk', ['record_id', 'version'])
        .execute();
      await db.schema
        .createTable('audit_events')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('study_id', 'text')
        .addColumn('participant_id', 'text')
        .addColumn('record_id', 'text')
        .addColumn('target', 'text')
        .addColumn('reason', 'text')
        .addColumn('client', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_record').on('audit_events').columns(['record_id']).execute();
      await db.schema
        .createIndex('audit_events_participant')
        .on('audit_events')
        .columns(['participant_id'])
        .execute();
    },
  };
}
