import type { Kysely, Selectable } from 'kysely';
import { PreparedQuery } from '../storage/prepared-query.js';
import type { Database } from '../storage/schema.js';
import type { ScheduleTable } from '../storage/schema-schedule.js';

export type ScheduleRow = Selectable<ScheduleTable>;

/** Built once per handle (prepared-query.ts): every record write checks its study's schedule. */
const scheduleOfStudy = new PreparedQuery(1, (db: Kysely<Database>, studyId: string) =>
  db.selectFrom('schedules').selectAll().where('study_id', '=', studyId),
);

export async function findSchedule(db: Kysely<Database>, studyId: string): Promise<ScheduleRow | undefined> {
  return scheduleOfStudy.first(db, studyId);
}

export async function insertSchedule(db: Kysely<Database>, row: ScheduleRow): Promise<void> {
  await db.insertInto('schedules').values(row).execute();
}

/** Replaces a schedule only at the version read, so two concurrent saves cannot both win. */
export async function updateSchedule(
  db: Kysely<Database>,
  studyId: string,
  fromVersion: number,
  definition: string,
  updatedAt: string,
): Promise<boolean> {
  const result = await db
    .updateTable('schedules')
    .set({ definition, version: fromVersion + 1, updated_at: updatedAt })
    .where('study_id', '=', studyId)
    .where('version', '=', fromVersion)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
