import { z } from 'zod';
import type { Vault } from '../app/vault.js';
import type { Route } from '../server/api-registry.js';
import { paged, pageQuery } from '../server/pagination.js';

const id = z.object({ id: z.string().min(1).max(64) });
const reveal = z.object({ reveal: z.enum(['true', 'false']).optional() });

export function registerRecordRoutes(route: Route, vault: Vault): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/participants/:id/records',
      summary: "A participant's records",
      tag: 'records',
      auth: 'actor',
      params: id,
      query: pageQuery,
    },
    ({ actor, params, query }) => paged(vault.records.listForParticipant(actor, params.id), query),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/records',
      summary: 'First entry of a record',
      tag: 'records',
      auth: 'actor',
      body: z.unknown(),
      status: 201,
    },
    ({ actor, body }) => vault.records.create(actor, body),
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
    },
    ({ actor, params, query }) => vault.records.read(actor, params.id, { reveal: query.reveal === 'true' }),
  );
  route(
    {
      method: 'PUT',
      url: '/api/v1/records/:id',
      summary: 'Change a record (a new version; reason required)',
      tag: 'records',
      auth: 'actor',
      params: id,
      body: z.unknown(),
    },
    ({ actor, params, body }) => vault.records.update(actor, params.id, body),
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
    },
    ({ actor, params, query }) =>
      paged(vault.records.history(actor, params.id, { reveal: query.reveal === 'true' }), query),
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
    },
    ({ actor, params, body }) => vault.records.lock(actor, params.id, body.reason),
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
    },
    ({ actor, params, body }) => vault.records.unlock(actor, params.id, body.reason),
  );
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
    ({ actor, params, query }) => paged(vault.signatures.list(actor, params.id), query),
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
    ({ actor, params, body }) => vault.signatures.sign(actor, params.id, body),
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
    ({ actor, params, query }) =>
      vault.audit.forRecord(actor, params.id, { reveal: query.reveal === 'true' }),
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
    ({ actor, params, query }) =>
      vault.audit.forParticipant(actor, params.id, { reveal: query.reveal === 'true' }),
  );
}
