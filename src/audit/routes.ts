import { z } from 'zod';
import type { Route } from '../server/api-registry.js';
import type { AuditTrailService } from './service.js';

const id = z.object({ id: z.string().min(1).max(64) });
const reveal = z.object({ reveal: z.enum(['true', 'false']).optional() });

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
    },
    ({ actor, params, query }) => audit.forParticipant(actor, params.id, { reveal: query.reveal === 'true' }),
  );
}
