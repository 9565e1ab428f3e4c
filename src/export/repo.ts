import { type Kysely, type Selectable, sql } from 'kysely';
import type { StoredEventRow } from '../ledger/audit-repo.js';
import { currentVersionColumns } from '../records/repo.js';
import type {
  Database,
  ExportRecipientTable,
  ExportRequestTable,
  ExportSettingsTable,
  ExportTable,
} from '../storage/schema.js';

export type ExportSettingsRow = Selectable<ExportSettingsTable>;
export type RecipientRow = Selectable<ExportRecipientTable>;
export type RequestRow = Selectable<ExportRequestTable>;
export type ExportRow = Selectable<ExportTable>;

export async function findSettings(db: Kysely<Database>, studyId: string) {
  return db.selectFrom('export_settings').selectAll().where('study_id', '=', studyId).executeTakeFirst();
}

/** False when the study's settings exist already (a concurrent first use made them). */
export async function insertSettings(db: Kysely<Database>, row: ExportSettingsRow): Promise<boolean> {
  const result = await db
    .insertInto('export_settings')
    .values(row)
    .onConflict((c) => c.column('study_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function setThreshold(db: Kysely<Database>, studyId: string, k: number): Promise<void> {
  await db.updateTable('export_settings').set({ k_threshold: k }).where('study_id', '=', studyId).execute();
}

export async function findRecipient(db: Kysely<Database>, studyId: string, name: string) {
  return db
    .selectFrom('export_recipients')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('name', '=', name)
    .executeTakeFirst();
}

export async function insertRecipient(db: Kysely<Database>, row: RecipientRow): Promise<void> {
  await db.insertInto('export_recipients').values(row).execute();
}

export async function updateRecipient(db: Kysely<Database>, row: RecipientRow): Promise<void> {
  await db
    .updateTable('export_recipients')
    .set({
      unblinded: row.unblinded,
      dua_reference: row.dua_reference,
      dua_expires_on: row.dua_expires_on,
      // The key audited and answered is the key exports use (review s13: it was never written, so a
      // recipient's new key was shown while exports stayed encrypted to the old one).
      age_recipient: row.age_recipient,
      recorded_by: row.recorded_by,
      updated_at: row.updated_at,
    })
    .where('id', '=', row.id)
    .execute();
}

export async function insertRequest(db: Kysely<Database>, row: RequestRow): Promise<void> {
  await db.insertInto('export_requests').values(row).execute();
}

export async function findRequest(db: Kysely<Database>, id: string) {
  return db.selectFrom('export_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listPendingRequests(db: Kysely<Database>, studyId: string, now: string) {
  return db
    .selectFrom('export_requests')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('status', 'in', ['pending', 'approved'])
    .where('expires_at', '>', now)
    .orderBy('requested_at')
    .execute();
}

/** Moves a request from one status to the next only if it is still there (compare-and-set). */
export async function advanceRequest(
  db: Kysely<Database>,
  id: string,
  from: RequestRow['status'],
  set: Partial<RequestRow>,
): Promise<boolean> {
  const result = await db
    .updateTable('export_requests')
    .set(set)
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertExport(db: Kysely<Database>, row: ExportRow): Promise<void> {
  await db.insertInto('exports').values(row).execute();
}

export async function findExport(db: Kysely<Database>, id: string) {
  return db.selectFrom('exports').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listExports(db: Kysely<Database>) {
  return db.selectFrom('exports').selectAll().orderBy('created_at').execute();
}

/** The one download: only if none happened and it has not expired (compare-and-set). */
export async function markDownloaded(db: Kysely<Database>, id: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable('exports')
    .set({ downloaded_at: now })
    .where('id', '=', id)
    .where('downloaded_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * A page of the study's participants by id, whole rows (their MACs are checked before the page is used)
 * and erased ones included: the source leaves those out in code once their rows hold (GDPR art. 17),
 * so a status set to erased in SQL cannot quietly drop a participant (review s9, S9-3).
 */
export async function participantPage(db: Kysely<Database>, studyId: string, after: string, limit: number) {
  return db
    .selectFrom('participants')
    .innerJoin('sites', 'sites.id', 'participants.site_id')
    .selectAll('participants')
    .select('sites.code as site_code')
    .where('participants.study_id', '=', studyId)
    .where('participants.id', '>', after)
    .orderBy('participants.id')
    .limit(limit)
    .execute();
}

export async function participantIds(db: Kysely<Database>, studyId: string): Promise<string[]> {
  const rows = await db.selectFrom('participants').select('id').where('study_id', '=', studyId).execute();
  return rows.map((r) => r.id);
}

/** The current version of every record of these participants, in export order. */
export async function currentRecords(db: Kysely<Database>, participantIds: readonly string[]) {
  if (participantIds.length === 0) return [];
  return (
    db
      .selectFrom('records')
      .innerJoin('forms', 'forms.id', 'records.form_id')
      // Left joins: a records row whose current version was deleted in SQL comes back with null version
      // columns, which the caller refuses as tampering (R17-4), instead of leaving the record out.
      .leftJoin('record_versions', (join) =>
        join
          .onRef('record_versions.record_id', '=', 'records.id')
          .onRef('record_versions.version', '=', 'records.version'),
      )
      .leftJoin('form_versions', 'form_versions.id', 'record_versions.form_version_id')
      // Both rows whole (the version's columns under v_ names), so that their MACs are checked (issue #17).
      .select([
        'records.id',
        'records.study_id',
        'records.participant_id',
        'records.form_id',
        'records.visit',
        'records.version',
        'records.locked',
        'records.created_at',
        'records.updated_at',
        'forms.oid as form_oid',
        'form_versions.version as form_version',
        ...currentVersionColumns(),
        sql<number | string | null>`records.row_seq`.as('row_seq'),
        sql<Buffer | null>`records.row_mac`.as('row_mac'),
      ])
      .where('records.participant_id', 'in', participantIds)
      .orderBy('records.participant_id')
      .orderBy('records.visit')
      .orderBy('forms.oid')
      .execute()
  );
}

/** The newest published definition of every form of the study. */
export async function liveForms(db: Kysely<Database>, studyId: string) {
  const rows = await db
    .selectFrom('forms')
    .innerJoin('form_versions', 'form_versions.form_id', 'forms.id')
    .select(['forms.oid', 'form_versions.version', 'form_versions.definition'])
    .where('forms.study_id', '=', studyId)
    .where('form_versions.status', '=', 'live')
    .orderBy('forms.oid')
    .orderBy('form_versions.version', 'desc')
    .execute();
  const newest = new Map<string, { oid: string; version: number; definition: string }>();
  for (const row of rows)
    if (!newest.has(row.oid)) newest.set(row.oid, { ...row, version: Number(row.version) });
  return [...newest.values()];
}

/**
 * The record.create events of these participants, of any outcome (the source keeps the successful
 * ones in code), so that an outcome set to failure in SQL cannot hide a record deleted with it (review
 * s9, S9-4): the source checks the leaf MACs of the unsuccessful ones (`eventsBySeq`), rare by nature.
 * Never deleted by design: erasure shreds keys, not rows. Read BEFORE the records themselves, so that
 * a record created meanwhile is never counted missing (R17-5).
 */
export async function recordCreateEvents(db: Kysely<Database>, participantIds: readonly string[]) {
  if (participantIds.length === 0) return [];
  return db
    .selectFrom('audit_events')
    .select(['seq', 'participant_id', 'record_id', 'outcome'])
    .where('participant_id', 'in', participantIds)
    .where('action', '=', 'record.create')
    .orderBy('seq')
    .execute();
}

/** Whole events by sequence number (their leaf MACs are checked by the caller). */
export async function eventsBySeq(db: Kysely<Database>, seqs: readonly number[]): Promise<StoredEventRow[]> {
  if (seqs.length === 0) return [];
  return db.selectFrom('audit_events').selectAll().where('seq', 'in', seqs).orderBy('seq').execute();
}

/** The ids of the records the events say were created, per participant. */
export function createdRecordIds(
  events: readonly {
    readonly participant_id: string | null;
    readonly record_id: string | null;
    readonly outcome: string;
  }[],
): Map<string, string[]> {
  const created = new Map<string, string[]>();
  for (const r of events) {
    if (r.outcome !== 'success' || r.participant_id === null || r.record_id === null) continue;
    const ids = created.get(r.participant_id) ?? [];
    ids.push(r.record_id);
    created.set(r.participant_id, ids);
  }
  return created;
}
