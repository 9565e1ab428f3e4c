import { z } from 'zod';
import { describes, timestamp } from '../http/answers.js';
import type { Route } from '../http/api-registry.js';
import { historyAnswer } from '../records/record-answers.js';
import type { AuditEventView, ParticipantTrail, RecordTrail, StudyTrail } from './audit-view.js';
import type { AuditTrailService } from './service.js';

const id = z.object({ id: z.string().min(1).max(64) });
const reveal = z.object({ reveal: z.enum(['true', 'false']).optional() });

const eventAnswer = describes<AuditEventView>()(
  z.strictObject({
    seq: z.number().int().describe('The gapless sequence number'),
    at: timestamp,
    actor: z.string(),
    actorName: z
      .string()
      .describe('The person and their roles in the study, e.g. "Jane Smith (investigator)"'),
    action: z.string(),
    outcome: z.string(),
    studyId: z.string().nullable(),
    participantId: z.string().nullable(),
    recordId: z.string().nullable(),
    target: z.string().nullable(),
    reason: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).describe('What the event records (never a protected value)'),
  }),
);
const studyTrailAnswer = describes<StudyTrail>()(
  z.strictObject({ items: z.array(eventAnswer), next: z.number().int().nullable() }),
);
const recordTrailAnswer = describes<RecordTrail>()(
  z.strictObject({
    record: z.strictObject({ id: z.string(), form: z.string(), visit: z.string(), subjectId: z.string() }),
    history: z.array(historyAnswer),
    events: z.array(eventAnswer),
  }),
);
const participantTrailAnswer = describes<ParticipantTrail>()(
  z.strictObject({
    participant: z.strictObject({ id: z.string(), subjectId: z.string(), status: z.string() }),
    events: z.array(eventAnswer),
    records: z.array(recordTrailAnswer),
  }),
);

export function registerAuditRoutes(route: Route, { audit }: { readonly audit: AuditTrailService }): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/audit',
      summary: "A study's audit events in ledger order (paginated by `after`, the last seq seen)",
      tag: 'audit',
      auth: 'actor',
      params: z.object({ study: z.string().min(1).max(64) }),
      query: z.object({
        after: z.coerce.number().int().min(-1).optional(),
        limit: z.coerce.number().int().min(1).max(1000).optional(),
        action: z
          .string()
          .regex(/^[a-z][a-z.-]{0,63}$/)
          .optional(),
      }),
      response: studyTrailAnswer,
    },
    ({ actor, params, query }) =>
      audit.forStudy(actor, params.study, {
        afterSeq: query.after ?? -1,
        limit: query.limit ?? 100,
        action: query.action,
      }),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/records/:id/audit',
      summary: 'Audit trail of a record',
      tag: 'audit',
      auth: 'actor',
      params: id,
      query: reveal,
      response: recordTrailAnswer,
    },
    ({ actor, params, query }) => audit.forRecord(actor, params.id, { reveal: query.reveal === 'true' }),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/participants/:id/audit',
      summary: 'Audit trail of a participant',
      tag: 'audit',
      auth: 'actor',
      params: id,
      query: reveal,
      response: participantTrailAnswer,
    },
    ({ actor, params, query }) => audit.forParticipant(actor, params.id, { reveal: query.reveal === 'true' }),
  );
}
