import { z } from 'zod';
import type { Vault } from '../app/vault.js';
import type { Route } from '../server/api-registry.js';

export function registerAuditRoutes(route: Route, vault: Vault): void {
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
      vault.audit.forStudy(actor, params.study, {
        afterSeq: query.after ?? -1,
        limit: query.limit ?? 100,
        action: query.action,
      }),
  );
}
