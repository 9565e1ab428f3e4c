import { type Kysely, type Selectable, sql } from 'kysely';
import { PreparedQuery } from '../storage/prepared-query.js';
import type { Database, FormTable, FormVersionTable } from '../storage/schema.js';

export type FormRow = Selectable<FormTable>;
export type FormVersionRow = Selectable<FormVersionTable>;

export async function findForm(
  db: Kysely<Database>,
  studyId: string,
  oid: string,
): Promise<FormRow | undefined> {
  return db
    .selectFrom('forms')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('oid', '=', oid)
    .executeTakeFirst();
}

export async function insertForm(db: Kysely<Database>, row: FormRow): Promise<void> {
  await db.insertInto('forms').values(row).execute();
}

export async function latestVersion(
  db: Kysely<Database>,
  formId: string,
): Promise<FormVersionRow | undefined> {
  return db
    .selectFrom('form_versions')
    .selectAll()
    .where('form_id', '=', formId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** A form's published versions (what data was entered under). */
export async function liveVersions(db: Kysely<Database>, formId: string): Promise<FormVersionRow[]> {
  return db
    .selectFrom('form_versions')
    .selectAll()
    .where('form_id', '=', formId)
    .where('status', '=', 'live')
    .execute();
}

export async function findVersion(db: Kysely<Database>, id: string): Promise<FormVersionRow | undefined> {
  return db.selectFrom('form_versions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertVersion(db: Kysely<Database>, row: FormVersionRow): Promise<void> {
  await db.insertInto('form_versions').values(row).execute();
}

/** Changes a draft only: the status guard in the statement keeps a live version untouched. */
export async function updateDraft(db: Kysely<Database>, id: string, definition: string): Promise<boolean> {
  const result = await db
    .updateTable('form_versions')
    .set({ definition })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function publishVersion(
  db: Kysely<Database>,
  id: string,
  publishedAt: string,
): Promise<boolean> {
  const result = await db
    .updateTable('form_versions')
    .set({ status: 'live', published_at: publishedAt })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function listForms(db: Kysely<Database>, studyId: string) {
  return db
    .selectFrom('forms')
    .innerJoin('form_versions', 'form_versions.form_id', 'forms.id')
    .select([
      'forms.id as form_id',
      'forms.oid',
      'forms.name',
      'form_versions.id as version_id',
      'form_versions.version',
      'form_versions.status',
      'form_versions.published_at',
    ])
    .where('forms.study_id', '=', studyId)
    .orderBy('forms.oid')
    .orderBy('form_versions.version')
    .execute();
}

export async function findFormById(db: Kysely<Database>, id: string): Promise<FormRow> {
  return db.selectFrom('forms').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Built once per handle (prepared-query.ts): every record write reads its form's live version. */
const liveFormQuery = new PreparedQuery(2, (db: Kysely<Database>, studyId: string, oid: string) =>
  db
    .selectFrom('forms')
    .innerJoin('form_versions', 'form_versions.form_id', 'forms.id')
    .selectAll('form_versions')
    .select([
      'forms.study_id as f_study_id',
      'forms.oid as f_oid',
      'forms.name as f_name',
      'forms.created_at as f_created_at',
      sql<number | string | null>`forms.row_seq`.as('f_row_seq'),
      sql<Buffer | null>`forms.row_mac`.as('f_row_mac'),
    ])
    .where('forms.study_id', '=', studyId)
    .where('forms.oid', '=', oid)
    .where('form_versions.status', '=', 'live')
    .orderBy('form_versions.version', 'desc')
    .limit(1),
);

/**
 * The form and its latest live version in one query (the hot path of every write), each as its whole
 * stored row, so that both seals can be checked before the definition is used (issue #17).
 */
export async function findLiveForm(
  db: Kysely<Database>,
  studyId: string,
  oid: string,
): Promise<{ form: FormRow; version: FormVersionRow } | undefined> {
  const row = await liveFormQuery.first(db, studyId, oid);
  if (row === undefined) return undefined;
  const { f_study_id, f_oid, f_name, f_created_at, f_row_seq, f_row_mac, ...version } = row;
  // The whole forms row, row seal included (selectAll() returns the version's seal columns too).
  const form = {
    id: version.form_id,
    study_id: f_study_id,
    oid: f_oid,
    name: f_name,
    created_at: f_created_at,
    row_seq: f_row_seq,
    row_mac: f_row_mac,
  };
  return { form, version };
}

/** Every version of a form, oldest first. */
export async function listVersions(db: Kysely<Database>, formId: string): Promise<FormVersionRow[]> {
  return db
    .selectFrom('form_versions')
    .selectAll()
    .where('form_id', '=', formId)
    .orderBy('version')
    .execute();
}

/** Every form of a study. */
export async function studyForms(db: Kysely<Database>, studyId: string): Promise<FormRow[]> {
  return db.selectFrom('forms').selectAll().where('study_id', '=', studyId).orderBy('oid').execute();
}
