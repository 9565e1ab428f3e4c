import { z } from 'zod';
import type { Route } from '../http/api-registry.js';
import { inclusionAnswer, ledgerIndex as index, leafAnswer, verifyAnswer } from '../ledger/ledger-answers.js';
import type { LedgerAccessService } from './ledger-access.js';

/**
 * The ledger's events and inclusion proofs, scoped like the audit trail, and verify (`ledger.verify`;
 * ledger-access.ts). Checkpoints and consistency proofs are ledger/routes.ts.
 */
export function registerLedgerAccessRoutes(
  route: Route,
  { ledgerAccess }: { readonly ledgerAccess: LedgerAccessService },
): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/ledger/inclusion',
      summary: 'RFC 9162 inclusion proof (for an event the caller may see)',
      tag: 'ledger',
      auth: 'actor',
      query: z.object({ index, size: index.optional() }),
      response: inclusionAnswer,
    },
    ({ actor, query }) => ledgerAccess.inclusion(actor, query.index, query.size),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/ledger/events/:index',
      summary: 'The leaf bytes of an event (scoped like the audit trail; docs/ledger.md)',
      tag: 'ledger',
      auth: 'actor',
      params: z.object({ index }),
      response: leafAnswer,
    },
    ({ actor, params }) => ledgerAccess.event(actor, params.index),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/ledger/verify',
      summary: 'Verify the whole trail now (system administrators, auditors: ledger.verify)',
      tag: 'ledger',
      auth: 'actor',
      rateLimit: 'ledger-verify',
      body: z.object({}).optional(),
      response: verifyAnswer,
    },
    ({ actor }) => ledgerAccess.verify(actor),
  );
}
