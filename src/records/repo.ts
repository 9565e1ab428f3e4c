import type { Kysely, Selectable } from 'kysely';
import type { Database, RecordTable, RecordVersionTable } from '../storage/schema.js';

export type RecordRow = Selectable<RecordTable>;
export type RecordVersionRow = Selectable<RecordVersionTable>;
export type RecordWithContext = RecordRow & {
  form_oid: string;
  subject_id: string;
  site_id: string;
  participant_status: string;
};

function withContext(db: Kysely<Database>) {
  return db
    .selectFrom('records')
    .innerJoin('forms', 'forms.id', 'records.form_id')
    .innerJoin('participants', 'participants.id', 'records.participant_id')
    .selectAll('records')
    .select([
      'forms.oid as form_oid',
      'participants.subject_id',
      'participants.site_id',
      'participants.status as participant_status',
    ]);
}

export async function findRecord(db: Kysely<Database>, id: string): Promise<RecordWithContext | undefined> {
  return withContext(db).where('records.id', '=', id).executeTakeFirst();
}

export async function findRecordFor(
  db: Kysely<Database>,
  participantId: string,
  formId: string,
  visit: string,
): Promise<RecordRow | undefined> {
  return db
    .selectFrom('records')
    .selectAll()
    .where('participant_id', '=', participantId)
    .where('form_id', '=', formId)
    .where('visit', '=', visit)
    .executeTakeFirst();
}

export async function listForParticipant(
  db: Kysely<Database>,
  participantId: string,
): Promise<RecordWithContext[]> {
  return withContext(db)
    .where('records.participant_id', '=', participantId)
    .orderBy('records.created_at')
    .orderBy('records.id')
    .execute();
}

export async function insertRecord(db: Kysely<Database>, row: RecordRow): Promise<void> {
  await db.insertInto('records').values(row).execute();
}

export async function insertVersion(db: Kysely<Database>, row: RecordVersionRow): Promise<void> {
  await db.insertInto('record_versions').values(row).execute();
}

/** Moves the record to its next version only if it is still at `from` and unlocked (optimistic guard). */
export async function advanceVersion(
  db: Kysely<Database>,
  id: string,
  from: number,
  updatedAt: string,
): Promise<boolean> {
  const result = await db
    .updateTable('records')
    .set({ version: from + 1, updated_at: updatedAt })
    .where('id', '=', id)
    .where('version', '=', from)
    .where('locked', '=', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setLocked(
  db: Kysely<Database>,
  id: string,
  locked: boolean,
  updatedAt: string,
): Promise<boolean> {
  const result = await db
    .updateTable('records')
    .set({ locked: locked ? 1 : 0, updated_at: updatedAt })
    .where('id', '=', id)
    .where('locked', '=', locked ? 0 : 1)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findVersion(
  db: Kysely<Database>,
  recordId: string,
  version: number,
): Promise<RecordVersionRow | undefined> {
  return db
    .selectFrom('record_versions')
    .selectAll()
    .where('record_id', '=', recordId)
    .where('version', '=', version)
    .executeTakeFirst();
}

export async function listVersions(db: Kysely<Database>, recordId: string): Promise<RecordVersionRow[]> {
  return db
    .selectFrom('record_versions')
    .selectAll()
    .where('record_id', '=', recordId)
    .orderBy('version')
    .execute();
}
