import type { Kysely } from 'kysely';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { formDefinitionSchema } from '../forms/form-definition.js';
import { eventOfVisit } from '../schedule/schedule-definition.js';
import type { Database } from '../storage/schema.js';
import { DEMOGRAPHIC } from './engine.js';
import { exportSchedule } from './event-names.js';
import * as repo from './repo.js';

const refused = (what: string, value: string, message: string) =>
  err(
    appError('VALIDATION_FAILED', message, {
      issues: [{ path: what, message: `${JSON.stringify(value)} names nothing in this study` }],
    }),
  );

/**
 * The names an export request chooses must name something (review r16 F7): forms among the study's
 * live forms, events among its schedule's events (or, without a schedule, among its records' visit
 * keys), and suppressed fields among its quasi-identifiers (what the k check counts). A typo is a
 * VALIDATION_FAILED naming it, never an empty export or a suppression that silently suppresses nothing.
 */
export async function checkExportNames(
  db: Kysely<Database>,
  studyId: string,
  request: { forms?: string[] | undefined; events?: string[] | undefined; suppress?: string[] | undefined },
): Promise<Result<void>> {
  if (request.forms === undefined && request.suppress === undefined && request.events === undefined)
    return ok(undefined);
  const live = [...(await repo.liveForms(db, studyId))].map((f) =>
    formDefinitionSchema.parse(JSON.parse(f.definition)),
  );
  const forms = new Set(live.map((f) => f.oid));
  for (const oid of request.forms ?? [])
    if (!forms.has(oid)) return refused('forms', oid, `No live form ${oid} in this study.`);
  const quasi = new Set(
    live.flatMap((f) =>
      f.fields
        .filter((x) => x.class === 'quasi' || (x.type === 'choice' && DEMOGRAPHIC.test(x.oid)))
        .map((x) => x.oid),
    ),
  );
  for (const oid of request.suppress ?? [])
    if (!quasi.has(oid)) return refused('suppress', oid, `${oid} is not a quasi-identifier of this study.`);
  const events = request.events ?? [];
  if (events.length === 0) return ok(undefined);
  const schedule = await exportSchedule(db, studyId);
  const known =
    schedule === undefined
      ? new Set(
          (
            await db
              .selectFrom('records')
              .select('visit')
              .distinct()
              .where('study_id', '=', studyId)
              .where('visit', 'in', events)
              .execute()
          ).map((r) => r.visit),
        )
      : new Set(events.filter((e) => eventOfVisit(schedule, e) !== undefined));
  for (const event of events)
    if (!known.has(event)) return refused('events', event, `No event ${event} in this study.`);
  return ok(undefined);
}
