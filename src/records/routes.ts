import { z } from 'zod';
import { pageOf } from '../http/answers.js';
import { parsedByService, type Route } from '../http/api-registry.js';
import { paged, pageQuery } from '../http/pagination.js';
import { historyAnswer, recordAnswer, summaryAnswer } from './record-answers.js';
import { createRecordSchema, updateRecordSchema } from './schemas.js';
import type { RecordService } from './service.js';

const id = z.object({ id: z.string().min(1).max(64) });
const reveal = z.object({ reveal: z.enum(['true', 'false']).optional() });

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
      ...parsedByService(createRecordSchema),
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
      ...parsedByService(updateRecordSchema),
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
