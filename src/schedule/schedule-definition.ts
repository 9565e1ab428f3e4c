import { z } from 'zod';

/**
 * A study's visit schedule (issue #15 item 4), as OpenClinica event definitions and REDCap events: each
 * event has a kind, the forms entered at it and, when scheduled, a target day with an allowed window
 * counted from the participant's enrolment date. Node-free: the web app shows it (docs/schedule.md).
 */
export const EVENT_KINDS = ['screening', 'baseline', 'scheduled', 'unscheduled', 'repeating'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

const OID = /^[A-Z][A-Z0-9_]{0,47}$/;

const eventSchema = z.strictObject({
  oid: z.string().regex(OID, 'must be upper case letters, digits and _ (ODM OID style), at most 48'),
  name: z.string().min(1).max(200),
  kind: z.enum(EVENT_KINDS),
  /** Target day from enrolment (day 0); scheduled events need one. */
  day: z.number().int().min(-365).max(3650).optional(),
  windowBefore: z.number().int().min(0).max(365).optional(),
  windowAfter: z.number().int().min(0).max(365).optional(),
  /** Entered many times (instances OID-1, OID-2, ...); implied by kind repeating. */
  repeating: z.boolean().optional(),
  forms: z
    .array(z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'a form OID'))
    .min(1)
    .max(100),
});

export const scheduleDefinitionSchema = z
  .strictObject({ events: z.array(eventSchema).min(1).max(200) })
  .superRefine((schedule, ctx) => {
    const seen = new Set<string>();
    schedule.events.forEach((event, i) => {
      const path = ['events', i];
      if (seen.has(event.oid))
        ctx.addIssue({ code: 'custom', path, message: `duplicate event ${event.oid}` });
      seen.add(event.oid);
      if (new Set(event.forms).size !== event.forms.length)
        ctx.addIssue({ code: 'custom', path, message: `event ${event.oid} lists a form twice` });
      if (event.kind === 'scheduled' && event.day === undefined)
        ctx.addIssue({ code: 'custom', path, message: `scheduled event ${event.oid} needs a target day` });
      if ((event.kind === 'unscheduled' || event.kind === 'repeating') && event.day !== undefined)
        ctx.addIssue({ code: 'custom', path, message: `${event.kind} event ${event.oid} has no target day` });
      if (event.day === undefined && (event.windowBefore !== undefined || event.windowAfter !== undefined))
        ctx.addIssue({ code: 'custom', path, message: `event ${event.oid} has a window but no target day` });
    });
  });

export type ScheduleDefinition = z.infer<typeof scheduleDefinitionSchema>;
export type ScheduleEvent = ScheduleDefinition['events'][number];

export function isRepeating(event: ScheduleEvent): boolean {
  return event.kind === 'repeating' || event.repeating === true;
}

/**
 * The event a record's visit key names: the event OID itself, or OID-n (n >= 1) for an instance of a
 * repeating event (as repeating forms' keys, e.g. AE-1). Undefined when the schedule has no such event.
 */
export function eventOfVisit(schedule: ScheduleDefinition, visit: string): ScheduleEvent | undefined {
  const exact = schedule.events.find((e) => e.oid === visit);
  if (exact !== undefined) return exact;
  const m = /^(.+)-([1-9]\d{0,4})$/.exec(visit);
  const event = m === null ? undefined : schedule.events.find((e) => e.oid === m[1]);
  return event !== undefined && isRepeating(event) ? event : undefined;
}

/** The allowed date range of a scheduled event for an enrolment date (YYYY-MM-DD), or null. */
export function eventWindow(
  event: ScheduleEvent,
  enrolled: string,
): { target: string; from: string; to: string } | null {
  if (event.day === undefined) return null;
  const base = Date.parse(`${enrolled.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(base)) return null;
  const at = (days: number) => new Date(base + days * 86_400_000).toISOString().slice(0, 10);
  return {
    target: at(event.day),
    from: at(event.day - (event.windowBefore ?? 0)),
    to: at(event.day + (event.windowAfter ?? 0)),
  };
}
