import { z } from 'zod';
import { appError } from '../core/errors.js';
import { err, ok } from '../core/result.js';
import type { Route } from '../http/api-registry.js';
import { checkpointAnswer, consistencyAnswer, ledgerIndex as index } from './ledger-answers.js';
import type { LedgerService } from './service.js';

/**
 * Checkpoints and consistency proofs hold no event content: any signed-in caller may fetch them. Events,
 * inclusion proofs and verify are scoped (audit/ledger-routes.ts).
 */
export function registerLedgerRoutes(route: Route, { ledger }: { readonly ledger: LedgerService }): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/ledger/checkpoint',
      summary: 'The latest signed checkpoint',
      tag: 'ledger',
      auth: 'actor',
      response: checkpointAnswer,
    },
    async () => {
      const latest = await ledger.latestCheckpoint();
      return latest === undefined ? err(appError('NOT_FOUND', 'No checkpoint yet.')) : ok(latest);
    },
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/ledger/consistency',
      summary: 'RFC 9162 consistency proof',
      tag: 'ledger',
      auth: 'actor',
      query: z.object({ from: index, to: index.optional() }),
      response: consistencyAnswer,
    },
    ({ query }) => ledger.consistency(query.from, query.to),
  );
}
