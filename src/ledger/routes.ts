import { z } from 'zod';
import type { Vault } from '../app/vault.js';
import { appError } from '../core/errors.js';
import { err, ok } from '../core/result.js';
import type { Route } from '../server/api-registry.js';

const index = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Checkpoints and proofs hold no protected value: any signed-in caller may fetch and check them. */
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
      summary: 'RFC 9162 inclusion proof',
      tag: 'ledger',
      auth: 'actor',
      query: z.object({ index, size: index.optional() }),
    },
    ({ query }) => vault.ledger.inclusion(query.index, query.size),
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
      summary: 'The leaf bytes of an event',
      tag: 'ledger',
      auth: 'actor',
      params: z.object({ index }),
    },
    ({ params }) => vault.ledger.event(params.index),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/ledger/verify',
      summary: 'Verify the whole trail now',
      tag: 'ledger',
      auth: 'actor',
      rateLimit: 'ledger-verify',
      body: z.object({}).optional(),
    },
    async ({ actor }) => {
      // The report names rows by id only; still, verifying the store is for operators and study admins.
      if (
        actor.kind !== 'system' &&
        !(await vault.users.roles(actor.kind === 'user' ? actor.id : '')).some(
          (r) => r.role === 'study_admin' || r.role === 'system_admin',
        )
      ) {
        return err(appError('FORBIDDEN', 'Your role does not allow this action.'));
      }
      return ok(await vault.ledger.verify());
    },
  );
}
