import { z } from 'zod';
import type { Route } from '../server/api-registry.js';
import { paged, pageQuery } from '../server/pagination.js';
import type { SignatureService } from './service.js';

const id = z.object({ id: z.string().min(1).max(64) });

export function registerSignatureRoutes(
  route: Route,
  { signatures }: { readonly signatures: SignatureService },
): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/records/:id/signatures',
      summary: 'Signatures, each checked against the record now',
      tag: 'signatures',
      auth: 'actor',
      params: id,
      query: pageQuery,
    },
    ({ actor, params, query }) => paged(signatures.list(actor, params.id), query),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/records/:id/signatures',
      summary: 'Sign a record (password, and TOTP for the first signing)',
      tag: 'signatures',
      auth: 'actor',
      // It tries a password (and a code): the sign-in budget (ASVS 6.3.1).
      rateLimit: 'sign-in',
      params: id,
      body: z.unknown(),
      status: 201,
    },
    ({ actor, params, body }) => signatures.sign(actor, params.id, body),
  );
}
