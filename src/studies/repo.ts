import type { Kysely, Selectable } from 'kysely';
import type { Database, SiteTable, StudyTable } from '../storage/schema.js';

export type StudyRow = Selectable<StudyTable>;
export type SiteRow = Selectable<SiteTable>;

export async function insertStudy(db: Kysely<Database>, row: StudyRow): Promise<void> {
  await db.insertInto('studies').values(row).execute();
}

export async function findStudy(db: Kysely<Database>, idOrProtocol: string): Promise<StudyRow | undefined> {
  return db
    .selectFrom('studies')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrProtocol), eb('protocol_id', '=', idOrProtocol)]))
    .executeTakeFirst();
}

export async function listStudies(db: Kysely<Database>): Promise<StudyRow[]> {
  return db.selectFrom('studies').selectAll().orderBy('protocol_id').execute();
}

export async function updateStudyStatus(
  db: Kysely<Database>,
  id: string,
  status: StudyRow['status'],
  updatedAt: string,
): Promise<void> {
  await db.updateTable('studies').set({ status, updated_at: updatedAt }).where('id', '=', id).execute();
}

export async function insertSite(db: Kysely<Database>, row: SiteRow): Promise<void> {
  await db.insertInto('sites').values(row).execute();
}

export async function listSites(db: Kysely<Database>, studyId: string): Promise<SiteRow[]> {
  return db.selectFrom('sites').selectAll().where('study_id', '=', studyId).orderBy('code').execute();
}

export async function findSite(
  db: Kysely<Database>,
  studyId: string,
  idOrCode: string,
): Promise<SiteRow | undefined> {
  return db
    .selectFrom('sites')
    .selectAll()
    .where('study_id', '=', studyId)
    .where((eb) => eb.or([eb('id', '=', idOrCode), eb('code', '=', idOrCode)]))
    .executeTakeFirst();
}

export async function countStudies(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('studies')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
