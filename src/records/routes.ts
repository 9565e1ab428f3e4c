import { z } from 'zod';
import { describes, pageOf, timestamp } from '../server/answers.js';
import type { Route } from '../server/api-registry.js';
import { paged, pageQuery } from '../server/pagination.js';
import type { HistoryEntry, RecordSummary, RecordView } from './records-view.js';
import { createRecordSchema, updateRecordSchema } from './schemas.js';
import type { RecordService } from './service.js';

const id = z.object({ id: z.string().min(1).max(64) });
const reveal = z.object({ reveal: z.enum(['true', 'false']).optional() });

const fieldValue = z.union([z.string(), z.number(), z.boolean()]);
const summaryShape = {
  id: z.string(),
  studyId: z.string(),
  participantId: z.string(),
  subjectId: z.string(),
  form: z.string().describe('The form OID'),
  formVersionId: z.string(),
  visit: z.string(),
  version: z.number().int(),
  locked: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
};
const summaryAnswer = describes<RecordSummary>()(z.strictObject(summaryShape));
export const recordAnswer = describes<RecordView>()(
  z.strictObject({
    ...summaryShape,
    values: z
      .record(z.string(), fieldValue)
      .describe('Clinical values, and protected ones only when revealed'),
    masked: z.array(z.string()).describe('Protected fields present but not revealed'),
    unavailable: z.array(z.string()).describe('Protected fields whose key was destroyed (erasure)'),
  }),
);
const shown = z.union([
  z.strictObject({ value: fieldValue.nullable() }),
  z.strictObject({ masked: z.literal(true) }),
  z.strictObject({ unavailable: z.literal(true) }),
]);
export const historyAnswer = describes<HistoryEntry>()(
  z.strictObject({
    action: z.enum(['create', 'update', 'lock', 'unlock']),
    version: z.number().int(),
    at: timestamp,
    actor: z.string(),
    reason: z.string().nullable(),
    changes: z.array(z.strictObject({ field: z.string(), old: shown, new: shown })),
  }),
);

export function registerRecordRoutes(route: Route, { records }: { readonly records: RecordService }): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/participants/:id/records',
      summary: "A participant's records",
      tag: 'records',
      auth: 'actor',
      params: id,
      query: pageQuery,
      response: pageOf(summaryAnswer),
    },
    ({ actor, params, query }) => paged(records.listForParticipant(actor, params.id), query),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/records',
      summary: 'First entry of a record',
      tag: 'records',
      auth: 'actor',
      body: createRecordSchema,
      response: recordAnswer,
      status: 201,
    },
    ({ actor, body }) => records.create(actor, body),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/records/:id',
      summary: 'A record (protected values with reveal=true, audited)',
      tag: 'records',
      auth: 'actor',
      params: id,
      query: reveal,
      response: recordAnswer,
    },
    ({ actor, params, query }) => records.read(actor, params.id, { reveal: query.reveal === 'true' }),
  );
  route(
    {
      method: 'PUT',
      url: '/api/v1/records/:id',
      summary: 'Change a record (a new version; reason required)',
      tag: 'records',
      auth: 'actor',
      params: id,
      body: updateRecordSchema,
      response: recordAnswer,
    },
    ({ actor, params, body }) => records.update(actor, params.id, body),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/records/:id/history',
      summary: 'Who changed what, when and why',
      tag: 'records',
      auth: 'actor',
      params: id,
      query: reveal.extend(pageQuery.shape),
      response: pageOf(historyAnswer),
    },
    ({ actor, params, query }) =>
      paged(records.history(actor, params.id, { reveal: query.reveal === 'true' }), query),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/records/:id/lock',
      summary: 'Lock a record',
      tag: 'records',
      auth: 'actor',
      params: id,
      body: z.object({ reason: z.string().max(1000).optional() }),
      response: recordAnswer,
    },
    ({ actor, params, body }) => records.lock(actor, params.id, body.reason),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/records/:id/unlock',
      summary: 'Unlock a record (reason required)',
      tag: 'records',
      auth: 'actor',
      params: id,
      body: z.object({ reason: z.string().max(1000) }),
      response: recordAnswer,
    },
    ({ actor, params, body }) => records.unlock(actor, params.id, body.reason),
  );
}
