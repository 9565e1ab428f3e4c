import { type Kysely, type Selectable, sql } from 'kysely';
import { PreparedQuery } from '../storage/prepared-query.js';
import { carryReadTick } from '../storage/read-tick.js';
import type { Database, RecordTable, RecordVersionTable, Sealed } from '../storage/schema.js';
import { SnapshotCache } from '../storage/snapshot-cache.js';

export type RecordRow = Selectable<RecordTable>;
export type RecordVersionRow = Selectable<RecordVersionTable>;
/** A record as read, with its row seal (issue #17) and the participant's whole row joined. */
export type RecordWithContext = Sealed<RecordRow> & {
  form_oid: string;
  subject_id: string;
  site_id: string;
  participant_status: string;
  p_study_id: string;
  p_consent_date_sealed: Buffer | null;
  p_created_at: string;
  p_updated_at: string;
  p_erased_at: string | null;
  p_row_seq: number | string | null;
  p_row_mac: Buffer | null;
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
      // The rest of the participant's row, so that its seal is checked before its site decides who
      // may read the record (issue #17).
      'participants.study_id as p_study_id',
      'participants.consent_date_sealed as p_consent_date_sealed',
      'participants.created_at as p_created_at',
      'participants.updated_at as p_updated_at',
      'participants.erased_at as p_erased_at',
      sql<number | string | null>`participants.row_seq`.as('p_row_seq'),
      sql<Buffer | null>`participants.row_mac`.as('p_row_mac'),
    ]);
}

/** The participant's whole row as joined to a record (what its row MAC covers). */
export function participantRowOf(record: RecordWithContext): Readonly<Record<string, unknown>> {
  return carryReadTick(record, {
    id: record.participant_id,
    study_id: record.p_study_id,
    site_id: record.site_id,
    subject_id: record.subject_id,
    status: record.participant_status,
    consent_date_sealed: record.p_consent_date_sealed,
    created_at: record.p_created_at,
    updated_at: record.p_updated_at,
    erased_at: record.p_erased_at,
    row_seq: record.p_row_seq,
    row_mac: record.p_row_mac,
  });
}

export async function findRecord(db: Kysely<Database>, id: string): Promise<RecordWithContext | undefined> {
  return (await withContext(db).where('records.id', '=', id).executeTakeFirst()) as
    | RecordWithContext
    | undefined;
}

/** The current version's whole row (null when missing), joined under v_ names so its MAC is checked. */
export type RecordWithCurrent = RecordWithContext & {
  form_version_id: string | null;
  clear_values: string | null;
  sealed_values: string | null;
  v_actor: string | null;
  v_reason: string | null;
  v_created_at: string | null;
  v_changed_fields: string | null;
  v_version: number | null;
  v_row_seq: number | string | null;
  v_row_mac: Buffer | null;
};

/** The current version's row as stored, out of `findRecordWithCurrent`'s join (undefined: missing). */
export function currentVersionOf(
  r: { readonly id: string } & Pick<
    RecordWithCurrent,
    | 'form_version_id'
    | 'clear_values'
    | 'sealed_values'
    | 'v_actor'
    | 'v_reason'
    | 'v_created_at'
    | 'v_changed_fields'
    | 'v_version'
    | 'v_row_seq'
    | 'v_row_mac'
  >,
): Sealed<RecordVersionRow> | undefined {
  const { form_version_id, clear_values, sealed_values, v_actor, v_created_at, v_changed_fields } = r;
  if (form_version_id === null || clear_values === null || sealed_values === null) return undefined;
  if (v_actor === null || v_created_at === null || v_changed_fields === null || r.v_version === null)
    return undefined;
  return {
    record_id: r.id,
    version: r.v_version,
    form_version_id,
    actor: v_actor,
    reason: r.v_reason,
    created_at: v_created_at,
    clear_values,
    sealed_values,
    changed_fields: v_changed_fields,
    row_seq: r.v_row_seq,
    row_mac: r.v_row_mac,
  };
}

/**
 * The current version's columns joined to a record (record_versions left-joined on records.version):
 * its values and the whole row its MAC covers (issue #17). Shared by every read of records with their
 * current version, so that one list decides what a version row check sees.
 */
export function currentVersionColumns() {
  return [
    'record_versions.form_version_id',
    'record_versions.clear_values',
    'record_versions.sealed_values',
    'record_versions.actor as v_actor',
    'record_versions.reason as v_reason',
    'record_versions.created_at as v_created_at',
    'record_versions.changed_fields as v_changed_fields',
    'record_versions.version as v_version',
    sql<number | string | null>`record_versions.row_seq`.as('v_row_seq'),
    sql<Buffer | null>`record_versions.row_mac`.as('v_row_mac'),
  ] as const;
}

/** A record with its context and its current version's values, in one query (the hot read path). */
const recordWithCurrent = new PreparedQuery(1, (db: Kysely<Database>, id: string) =>
  withContext(db)
    .leftJoin('record_versions', (join) =>
      join
        .onRef('record_versions.record_id', '=', 'records.id')
        .onRef('record_versions.version', '=', 'records.version'),
    )
    .select(currentVersionColumns())
    .where('records.id', '=', id),
);

/** Records as last read, while nothing is committed (every read of a record starts here). */
const recordsRead = new SnapshotCache<RecordWithCurrent | undefined>(4096);

/** The record with its current version, as stored: its MACs are checked by the caller (issue #17). */
export async function findRecordWithCurrent(
  db: Kysely<Database>,
  id: string,
): Promise<RecordWithCurrent | undefined> {
  return recordsRead.get(
    db,
    id,
    async () => (await recordWithCurrent.first(db, id)) as RecordWithCurrent | undefined,
  );
}

export async function findRecordFor(
  db: Kysely<Database>,
  participantId: string,
  formId: string,
  visit: string,
): Promise<Sealed<RecordRow> | undefined> {
  return (await db
    .selectFrom('records')
    .selectAll()
    .where('participant_id', '=', participantId)
    .where('form_id', '=', formId)
    .where('visit', '=', visit)
    .executeTakeFirst()) as Sealed<RecordRow> | undefined;
}

export async function listForParticipant(
  db: Kysely<Database>,
  participantId: string,
): Promise<RecordWithContext[]> {
  return (await withContext(db)
    .where('records.participant_id', '=', participantId)
    .orderBy('records.created_at')
    .orderBy('records.id')
    .execute()) as RecordWithContext[];
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

/** Locks or unlocks the record only if it is still at `version` (the row its seal is computed from). */
export async function setLocked(
  db: Kysely<Database>,
  id: string,
  locked: boolean,
  updatedAt: string,
  version: number,
): Promise<boolean> {
  const result = await db
    .updateTable('records')
    .set({ locked: locked ? 1 : 0, updated_at: updatedAt })
    .where('id', '=', id)
    .where('version', '=', version)
    .where('locked', '=', locked ? 0 : 1)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findVersion(
  db: Kysely<Database>,
  recordId: string,
  version: number,
): Promise<Sealed<RecordVersionRow> | undefined> {
  return (await db
    .selectFrom('record_versions')
    .selectAll()
    .where('record_id', '=', recordId)
    .where('version', '=', version)
    .executeTakeFirst()) as Sealed<RecordVersionRow> | undefined;
}

export async function listVersions(
  db: Kysely<Database>,
  recordId: string,
): Promise<Sealed<RecordVersionRow>[]> {
  return (await db
    .selectFrom('record_versions')
    .selectAll()
    .where('record_id', '=', recordId)
    .orderBy('version')
    .execute()) as Sealed<RecordVersionRow>[];
}

/** One (participant, form, visit) key: built once per handle (prepared-query.ts), a write per record. */
const recordAtKey = new PreparedQuery(
  3,
  (db: Kysely<Database>, participantId: string, formId: string, visit: string) =>
    db
      .selectFrom('records')
      .select(['participant_id', 'form_id', 'visit'])
      .where('participant_id', '=', participantId)
      .where('form_id', '=', formId)
      .where('visit', '=', visit),
);

const KEY_CHUNK = 500;

/** The (participant, form, visit) keys among `keys` that already have a record. */
export async function existingRecordKeys(
  db: Kysely<Database>,
  keys: readonly { participantId: string; formId: string; visit: string }[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const [only] = keys;
  if (keys.length === 1 && only !== undefined) {
    const found = await recordAtKey.first(db, only.participantId, only.formId, only.visit);
    return new Set(found === undefined ? [] : [recordKey(found.participant_id, found.form_id, found.visit)]);
  }
  // One probe of the unique (participant, form, visit) index per key, not every combination of the
  // three lists (a batch of 100 records at 100 participants and visits: 10,000 probes).
  const found = new Set<string>();
  for (let i = 0; i < keys.length; i += KEY_CHUNK) {
    const rows = await db
      .selectFrom('records')
      .select(['participant_id', 'form_id', 'visit'])
      .where((eb) =>
        eb.or(
          keys
            .slice(i, i + KEY_CHUNK)
            .map((k) =>
              eb.and([
                eb('participant_id', '=', k.participantId),
                eb('form_id', '=', k.formId),
                eb('visit', '=', k.visit),
              ]),
            ),
        ),
      )
      .execute();
    for (const r of rows) found.add(recordKey(r.participant_id, r.form_id, r.visit));
  }
  return found;
}

export function recordKey(participantId: string, formId: string, visit: string): string {
  return `${participantId}\u0000${formId}\u0000${visit}`;
}
