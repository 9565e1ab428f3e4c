import { z } from 'zod';
import { describes } from '../http/answers.js';
import { parsedByService, type Route } from '../http/api-registry.js';
import { EVENT_KINDS, scheduleDefinitionSchema } from './schedule-definition.js';
import type { ScheduleView } from './schedule-view.js';
import type { ScheduleService } from './service.js';

const eventAnswer = z.strictObject({
  oid: z.string(),
  name: z.string(),
  kind: z.enum(EVENT_KINDS),
  day: z.number().int().optional(),
  windowBefore: z.number().int().optional(),
  windowAfter: z.number().int().optional(),
  repeating: z.boolean().optional(),
  forms: z.array(z.string()),
});
export const scheduleAnswer = describes<ScheduleView>()(
  z.strictObject({
    studyId: z.string(),
    version: z.number().int(),
    updatedAt: z.string().nullable(),
    events: z.array(eventAnswer),
  }),
);
const study = z.object({ study: z.string().min(1).max(64) });

export function registerScheduleRoutes(
  route: Route,
  { schedule }: { readonly schedule: ScheduleService },
): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/schedule',
      summary: 'The visit schedule: events, windows and forms',
      tag: 'schedule',
      auth: 'actor',
      params: study,
      response: scheduleAnswer,
    },
    ({ actor, params }) => schedule.get(actor, params.study),
  );
  route(
    {
      method: 'PUT',
      url: '/api/v1/studies/:study/schedule',
      summary: 'Replace the visit schedule (a new version, audited)',
      tag: 'schedule',
      auth: 'actor',
      params: study,
      ...parsedByService(scheduleDefinitionSchema),
      response: scheduleAnswer,
    },
    ({ actor, params, body }) => schedule.define(actor, params.study, body),
  );
}
