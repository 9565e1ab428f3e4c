import type { Kysely } from 'kysely';
import { findSchedule } from '../schedule/repo.js';
import {
  eventOfVisit,
  type ScheduleDefinition,
  scheduleDefinitionSchema,
} from '../schedule/schedule-definition.js';
import type { Database } from '../storage/schema.js';
import type { ExportProfile } from './export-dataset.js';

/** A visit key of the shape of an event OID (docs/schedule.md), optionally with its instance (AE-3). */
const EVENT_KEY = /^[A-Z][A-Z0-9_]{0,47}(?:-[1-9]\d{0,4})?$/;
const NEUTRAL = /^UNSCHEDULED-\d+$/;

/** The study's schedule, when it has a valid one (only its event OIDs leave de-identified exports). */
export async function exportSchedule(
  db: Kysely<Database>,
  studyId: string,
): Promise<ScheduleDefinition | undefined> {
  const row = await findSchedule(db, studyId);
  if (row === undefined) return undefined;
  const parsed = scheduleDefinitionSchema.safeParse(JSON.parse(row.definition));
  return parsed.success ? parsed.data : undefined;
}

/**
 * The event names of one participant in an export (review r16 F2). Identified exports keep visit keys.
 * De-identified and limited exports keep a key only when it is an event OID of the study's schedule
 * (any event-OID-shaped key when the study has none) that the free-text scrubber leaves unchanged;
 * any other key ("2024-03-14", "UNSCHED 14.03.2024", a name) becomes UNSCHEDULED-1, -2... in the
 * order of that participant's records, so no date or name in a visit key leaves in CSV, ODM or FHIR.
 */
export function eventNamer(
  profile: ExportProfile,
  schedule: ScheduleDefinition | undefined,
  scrub: ((text: string) => string) | undefined,
  /**
   * Whether a visit key may leave, by key: the decision depends on the key alone, so one export shares
   * it across its participants (a study has a few event names, and the scrubber is not cheap).
   */
  decided: Map<string, boolean> = new Map(),
): (visit: string) => string {
  if (profile === 'identified') return (visit) => visit;
  const codes = new Map<string, string>();
  return (visit) => {
    let kept = decided.get(visit);
    if (kept === undefined) {
      kept =
        EVENT_KEY.test(visit) &&
        !NEUTRAL.test(visit) &&
        (schedule === undefined || eventOfVisit(schedule, visit) !== undefined) &&
        (scrub === undefined || scrub(visit) === visit);
      // Bounded: free-text visit keys of a large study must not grow the map without limit.
      if (decided.size < 10_000) decided.set(visit, kept);
    }
    if (kept) return visit;
    let code = codes.get(visit);
    if (code === undefined) {
      code = `UNSCHEDULED-${codes.size + 1}`;
      codes.set(visit, code);
    }
    return code;
  };
}
