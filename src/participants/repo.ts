import type { Kysely, Selectable } from 'kysely';
import { INSERT_CHUNK } from '../storage/insert-chunk.js';
import { PreparedQuery } from '../storage/prepared-query.js';
import type { Database, ParticipantTable } from '../storage/schema.js';

export type ParticipantRow = Selectable<ParticipantTable>;
export type ParticipantWithSite = ParticipantRow & { site_code: string };

function withSite(db: Kysely<Database>) {
  return db
    .selectFrom('participants')
    .innerJoin('sites', 'sites.id', 'participants.site_id')
    .selectAll('participants')
    .select('sites.code as site_code');
}

/** Built once per handle (prepared-query.ts): every record write reads its participant. */
const participantById = new PreparedQuery(1, (db: Kysely<Database>, id: string) =>
  withSite(db).where('participants.id', '=', id),
);

export async function findParticipant(
  db: Kysely<Database>,
  id: string,
): Promise<ParticipantWithSite | undefined> {
  return participantById.first(db, id);
}

export async function findBySubject(
  db: Kysely<Database>,
  studyId: string,
  subjectId: string,
): Promise<ParticipantWithSite | undefined> {
  return withSite(db)
    .where('participants.study_id', '=', studyId)
    .where('participants.subject_id', '=', subjectId)
    .executeTakeFirst();
}

export async function listParticipants(
  db: Kysely<Database>,
  studyId: string,
  filter: { siteId?: string; siteIds?: readonly string[]; limit: number; offset: number },
): Promise<ParticipantWithSite[]> {
  let query = withSite(db).where('participants.study_id', '=', studyId);
  if (filter.siteId !== undefined) query = query.where('participants.site_id', '=', filter.siteId);
  if (filter.siteIds !== undefined) {
    if (filter.siteIds.length === 0) return [];
    query = query.where('participants.site_id', 'in', filter.siteIds);
  }
  return query.orderBy('participants.subject_id').limit(filter.limit).offset(filter.offset).execute();
}

export async function findManyByIds(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<ParticipantWithSite[]> {
  if (ids.length === 0) return [];
  return withSite(db).where('participants.id', 'in', ids).orderBy('participants.subject_id').execute();
}

export async function insertParticipant(db: Kysely<Database>, row: ParticipantRow): Promise<void> {
  await db.insertInto('participants').values(row).execute();
}

export async function updateStatus(
  db: Kysely<Database>,
  id: string,
  status: ParticipantRow['status'],
  updatedAt: string,
): Promise<void> {
  await db.updateTable('participants').set({ status, updated_at: updatedAt }).where('id', '=', id).execute();
}

export async function markErased(db: Kysely<Database>, id: string, at: string): Promise<void> {
  await db
    .updateTable('participants')
    .set({ status: 'erased', consent_date_sealed: null, erased_at: at, updated_at: at })
    .where('id', '=', id)
    .execute();
}

export interface LookupToken {
  readonly studyId: string;
  readonly kind: string;
  readonly token: Buffer;
  readonly participantId: string;
}

export async function insertLookupTokens(
  db: Kysely<Database>,
  tokens: readonly LookupToken[],
): Promise<void> {
  const rows = tokens.map((t) => ({
    study_id: t.studyId,
    kind: t.kind,
    token: t.token,
    participant_id: t.participantId,
  }));
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db
      .insertInto('participant_lookup')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

export async function deleteLookupToken(db: Kysely<Database>, row: LookupToken): Promise<void> {
  await db
    .deleteFrom('participant_lookup')
    .where('study_id', '=', row.studyId)
    .where('kind', '=', row.kind)
    .where('token', '=', row.token)
    .where('participant_id', '=', row.participantId)
    .execute();
}

export async function deleteLookupTokens(db: Kysely<Database>, participantId: string): Promise<void> {
  await db.deleteFrom('participant_lookup').where('participant_id', '=', participantId).execute();
}

/** A participant's lookup tokens (their primary keys), before an erasure deletes them. */
export async function lookupTokensOf(db: Kysely<Database>, participantId: string): Promise<LookupToken[]> {
  const rows = await db
    .selectFrom('participant_lookup')
    .select(['study_id', 'kind', 'token', 'participant_id'])
    .where('participant_id', '=', participantId)
    .execute();
  return rows.map((r) => ({
    studyId: r.study_id,
    kind: r.kind,
    token: r.token,
    participantId: r.participant_id,
  }));
}

export async function findByToken(db: Kysely<Database>, studyId: string, kind: string, token: Buffer) {
  // Whole rows: each one's seal is checked before it is followed (issue #17).
  return db
    .selectFrom('participant_lookup')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('kind', '=', kind)
    .where('token', '=', token)
    .execute();
}
