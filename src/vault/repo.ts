import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

export async function insertStudyKey(
  db: Kysely<Database>,
  row: { studyId: string; version: number; wrappedKey: Buffer; createdAt: string },
): Promise<void> {
  await db
    .insertInto('study_keys')
    .values({
      study_id: row.studyId,
      version: row.version,
      wrapped_key: row.wrappedKey,
      created_at: row.createdAt,
    })
    .execute();
}

export async function currentStudyKeyVersion(
  db: Kysely<Database>,
  studyId: string,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('study_keys')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('study_id', '=', studyId)
    .executeTakeFirst();
  return row?.version === null || row?.version === undefined ? undefined : Number(row.version);
}

/** The whole row (its seal included: it is checked before the key is unwrapped). */
export async function findStudyKey(db: Kysely<Database>, studyId: string, version: number) {
  return db
    .selectFrom('study_keys')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('version', '=', version)
    .executeTakeFirst();
}

export async function insertParticipantKey(
  db: Kysely<Database>,
  row: {
    participantId: string;
    studyId: string;
    kekVersion: number;
    keyVersion: number;
    wrappedKey: Buffer;
    createdAt: string;
  },
): Promise<void> {
  await db
    .insertInto('participant_keys')
    .values({
      participant_id: row.participantId,
      study_id: row.studyId,
      kek_version: row.kekVersion,
      key_version: row.keyVersion,
      wrapped_key: row.wrappedKey,
      created_at: row.createdAt,
    })
    .execute();
}

export async function findParticipantKey(db: Kysely<Database>, participantId: string) {
  return db
    .selectFrom('participant_keys')
    .selectAll()
    .where('participant_id', '=', participantId)
    .executeTakeFirst();
}

/** The wrapped data keys of many participants in one query (bulk reads). */
export async function findParticipantKeys(db: Kysely<Database>, participantIds: readonly string[]) {
  if (participantIds.length === 0) return [];
  return db
    .selectFrom('participant_keys')
    .select(['participant_id', 'study_id', 'kek_version', 'key_version', 'wrapped_key'])
    .where('participant_id', 'in', participantIds)
    .execute();
}

export async function participantKeysWrappedBefore(
  db: Kysely<Database>,
  studyId: string,
  kekVersion: number,
  limit: number,
) {
  return db
    .selectFrom('participant_keys')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('kek_version', '<', kekVersion)
    .orderBy('participant_id')
    .limit(limit)
    .execute();
}

/** Rewraps one key, only if nobody rewrapped or erased it meanwhile; true when the row was updated. */
export async function rewrapParticipantKey(
  db: Kysely<Database>,
  row: { participantId: string; fromKekVersion: number; toKekVersion: number; wrappedKey: Buffer },
): Promise<boolean> {
  const result = await db
    .updateTable('participant_keys')
    .set({ kek_version: row.toKekVersion, wrapped_key: row.wrappedKey })
    .where('participant_id', '=', row.participantId)
    .where('kek_version', '=', row.fromKekVersion)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes study key versions below `version` that no participant key is wrapped under any more. */
export async function deleteUnusedStudyKeys(
  db: Kysely<Database>,
  studyId: string,
  version: number,
): Promise<number[]> {
  const unused = await db
    .selectFrom('study_keys')
    .select('version')
    .where('study_id', '=', studyId)
    .where('version', '<', version)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('participant_keys')
            .select('participant_keys.participant_id')
            .whereRef('participant_keys.study_id', '=', 'study_keys.study_id')
            .whereRef('participant_keys.kek_version', '=', 'study_keys.version'),
        ),
      ),
    )
    .execute();
  const versions = unused.map((r) => Number(r.version));
  if (versions.length > 0)
    await db
      .deleteFrom('study_keys')
      .where('study_id', '=', studyId)
      .where('version', 'in', versions)
      .execute();
  return versions;
}

export async function deleteParticipantKey(db: Kysely<Database>, participantId: string): Promise<void> {
  await db.deleteFrom('participant_keys').where('participant_id', '=', participantId).execute();
}

/** Every participant key of a study (a key rotation's last check). */
export async function participantKeysOfStudy(db: Kysely<Database>, studyId: string) {
  return db.selectFrom('participant_keys').selectAll().where('study_id', '=', studyId).execute();
}
