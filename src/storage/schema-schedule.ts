// The schedule capability's table (migration 0012), kept apart so schema.ts stays under 400 lines.

/** A study's visit schedule (issue #15, src/schedule): the events, windows and forms as JSON. */
export interface ScheduleTable {
  study_id: string;
  definition: string;
  version: number;
  created_at: string;
  updated_at: string;
}
