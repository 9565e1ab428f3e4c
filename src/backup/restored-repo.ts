import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../storage/schema.js';

/** Reads and the simulated attack of the drill and the restore, as domain values (issue #14: SQL in repos). */

/** Every record id, in order. */
export async function recordIds(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom('records').select('id').orderBy('id').execute()).map((r) => r.id);
}

/** Each record's current stored version as the SHA-256 of its clear and sealed values, by record id. */
export async function currentVersionDigests(db: Kysely<Database>): Promise<Map<string, string>> {
  const versions = await db
    .selectFrom('records')
    .innerJoin('record_versions', (j) =>
      j
        .onRef('record_versions.record_id', '=', 'records.id')
        .onRef('record_versions.version', '=', 'records.version'),
    )
    .select(['records.id', 'record_versions.clear_values', 'record_versions.sealed_values'])
    .execute();
  return new Map(
    versions.map((v) => [
      v.id,
      createHash('sha256').update(v.clear_values).update('\0').update(v.sealed_values).digest('hex'),
    ]),
  );
}

export async function auditEventTotal(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function unlockedRecordIds(db: Kysely<Database>, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('records').select('id').where('locked', '=', 0).limit(limit).execute();
  return rows.map((r) => r.id);
}

/** The participant with the lowest subject id (the store must hold one). */
export async function firstParticipantId(db: Kysely<Database>): Promise<string> {
  const row = await db
    .selectFrom('participants')
    .select('id')
    .orderBy('subject_id')
    .limit(1)
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function recordIdsOf(db: Kysely<Database>, participantId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('records')
    .select('id')
    .where('participant_id', '=', participantId)
    .execute();
  return rows.map((r) => r.id);
}

/** Whether the participant's row says erased; undefined when the restored store has no such row. */
export async function participantErased(db: Kysely<Database>, id: string): Promise<boolean | undefined> {
  const row = await db.selectFrom('participants').select('status').where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : row.status === 'erased';
}

/** The drill's attack on PostgreSQL: the tables that hold the data are emptied in place. */
export async function wipeTables(db: Kysely<Database>, tables: readonly string[]): Promise<void> {
  for (const table of tables) await sql`delete from ${sql.table(table)}`.execute(db);
}
