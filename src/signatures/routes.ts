import { z } from 'zod';
import { describes, pageOf, timestamp } from '../http/answers.js';
import { parsedByService, type Route } from '../http/api-registry.js';
import { paged, pageQuery } from '../http/pagination.js';
import { type SignatureService, signSchema } from './service.js';
import { SIGNATURE_MEANINGS, type Signature } from './signatures-view.js';

const id = z.object({ id: z.string().min(1).max(64) });

const signatureAnswer = describes<Signature>()(
  z.strictObject({
    id: z.string(),
    recordId: z.string(),
    recordVersion: z.number().int(),
    printedName: z.string(),
    meaning: z.enum(SIGNATURE_MEANINGS),
    signedAt: timestamp,
    contentHash: z.string().describe('SHA-256 of the signed version, hex'),
    valid: z.boolean().describe('False once the record changed after signing (21 CFR 11.70)'),
  }),
);

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
      response: pageOf(signatureAnswer),
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
      ...parsedByService(signSchema),
      response: signatureAnswer,
      status: 201,
    },
    ({ actor, params, body }) => signatures.sign(actor, params.id, body),
  );
}
