import type { Kysely, Selectable } from 'kysely';
import { PreparedQuery } from '../storage/prepared-query.js';
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

const studyById = new PreparedQuery(1, (db: Kysely<Database>, id: string) =>
  db.selectFrom('studies').selectAll().where('id', '=', id),
);

/** The study with this id: built once per store (every write asks whether its study is closed). */
export async function findStudyById(db: Kysely<Database>, id: string): Promise<StudyRow | undefined> {
  return studyById.first(db, id);
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

export async function updateStudyTitle(
  db: Kysely<Database>,
  id: string,
  title: string,
  updatedAt: string,
): Promise<void> {
  await db.updateTable('studies').set({ title, updated_at: updatedAt }).where('id', '=', id).execute();
}

export async function updateSiteName(db: Kysely<Database>, id: string, name: string): Promise<void> {
  await db.updateTable('sites').set({ name }).where('id', '=', id).execute();
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

/** Participants per site, and records per form and visit, of the given sites (null: all). */
export async function studyCounts(db: Kysely<Database>, studyId: string, siteIds: readonly string[] | null) {
  let participants = db
    .selectFrom('participants')
    .select(['site_id', (eb) => eb.fn.countAll().as('n')])
    .where('study_id', '=', studyId)
    .where('status', '!=', 'erased')
    .groupBy('site_id');
  let records = db
    .selectFrom('records')
    .innerJoin('participants', 'participants.id', 'records.participant_id')
    .innerJoin('forms', 'forms.id', 'records.form_id')
    .select(['forms.oid as form', 'records.visit', (eb) => eb.fn.countAll().as('n')])
    .where('records.study_id', '=', studyId)
    .where('participants.status', '!=', 'erased')
    .groupBy(['forms.oid', 'records.visit']);
  if (siteIds !== null) {
    if (siteIds.length === 0) return { participants: [], records: [] };
    participants = participants.where('site_id', 'in', siteIds);
    records = records.where('participants.site_id', 'in', siteIds);
  }
  return { participants: await participants.execute(), records: await records.execute() };
}

export async function openAlerts(db: Kysely<Database>, studyId: string): Promise<number> {
  const row = await db
    .selectFrom('alerts')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('study_id', '=', studyId)
    .where('acknowledged_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Break-glass sessions started before `startedBefore` that no second person has reviewed yet. */
export async function overdueBreakGlassReviews(
  db: Kysely<Database>,
  studyId: string,
  startedBefore: string,
): Promise<number> {
  const row = await db
    .selectFrom('break_glass')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('study_id', '=', studyId)
    .where('reviewed_at', 'is', null)
    .where('started_at', '<=', startedBefore)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** OIDs of the study's repeating forms (adverse events, payments): no "missing" count for them. */
export async function repeatingFormOids(db: Kysely<Database>, studyId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('forms')
    .innerJoin('form_versions', 'form_versions.form_id', 'forms.id')
    .select(['forms.oid', 'form_versions.definition'])
    .where('forms.study_id', '=', studyId)
    .execute();
  return new Set(
    rows
      .filter((r) => (JSON.parse(r.definition) as { repeating?: boolean }).repeating === true)
      .map((r) => r.oid),
  );
}
