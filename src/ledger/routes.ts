import { z } from 'zod';
import type { Vault } from '../app/vault.js';
import { appError } from '../core/errors.js';
import { err, ok } from '../core/result.js';
import type { Route } from '../server/api-registry.js';

const index = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * Checkpoints and consistency proofs hold no event content: any signed-in caller may fetch them. Events
 * and inclusion proofs are scoped like the audit trail, and verify is `ledger.verify` (ledger-access.ts).
 */
export function registerLedgerRoutes(route: Route, vault: Vault): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/ledger/checkpoint',
      summary: 'The latest signed checkpoint',
      tag: 'ledger',
      auth: 'actor',
    },
    async () => {
      const latest = await vault.ledger.latestCheckpoint();
      return latest === undefined ? err(appError('NOT_FOUND', 'No checkpoint yet.')) : ok(latest);
    },
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/ledger/inclusion',
      summary: 'RFC 9162 inclusion proof (for an event the caller may see)',
      tag: 'ledger',
      auth: 'actor',
      query: z.object({ index, size: index.optional() }),
    },
    ({ actor, query }) => vault.ledgerAccess.inclusion(actor, query.index, query.size),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/ledger/consistency',
      summary: 'RFC 9162 consistency proof',
      tag: 'ledger',
      auth: 'actor',
      query: z.object({ from: index, to: index.optional() }),
    },
    ({ query }) => vault.ledger.consistency(query.from, query.to),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/ledger/events/:index',
      summary: 'The leaf bytes of an event (scoped like the audit trail; docs/ledger.md)',
      tag: 'ledger',
      auth: 'actor',
      params: z.object({ index }),
    },
    ({ actor, params }) => vault.ledgerAccess.event(actor, params.index),
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
    },
    ({ actor }) => vault.ledgerAccess.verify(actor),
  );
}
