import { z } from 'zod';
import { ok } from '../core/result.js';
import { describes, itemsOf, timestamp } from '../http/answers.js';
import { parsedByService, type Route } from '../http/api-registry.js';
import { pageBounds, pageQuery } from '../http/pagination.js';
import { PARTICIPANT_STATUSES, type Participant } from './participants-view.js';
import { enrollSchema, type ParticipantService } from './service.js';

const id = z.object({ id: z.string().min(1).max(64) });
const study = z.object({ study: z.string().min(1).max(64) });
const reveal = z.object({ reveal: z.enum(['true', 'false']).optional() });
const reason = z.object({ reason: z.string().max(1000) });

const participantAnswer = describes<Participant>()(
  z.strictObject({
    id: z.string(),
    studyId: z.string(),
    siteId: z.string(),
    siteCode: z.string(),
    subjectId: z.string().describe('The pseudonym (never a direct identifier)'),
    status: z.enum([...PARTICIPANT_STATUSES, 'erased']),
    consentDate: z
      .string()
      .nullable()
      .optional()
      .describe('Only with reveal=true (a quasi-identifier, HIPAA 164.514(b)(2))'),
    createdAt: timestamp,
    erasedAt: timestamp.nullable(),
  }),
);
const participantPage = z.strictObject({
  items: z.array(participantAnswer),
  limit: z.number().int(),
  offset: z.number().int(),
});

export function registerParticipantRoutes(
  route: Route,
  { participants }: { readonly participants: ParticipantService },
): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/participants',
      summary: 'Participants at the sites the caller may see (paginated)',
      tag: 'participants',
      auth: 'actor',
      params: study,
      query: z.object({ site: z.string().max(64).optional(), ...pageQuery.shape }),
      response: participantPage,
    },
    async ({ actor, params, query }) => {
      const list = await participants.list(actor, params.study, {
        ...(query.site === undefined ? {} : { site: query.site }),
        ...pageBounds(query),
      });
      return list.ok ? ok({ items: list.value, ...pageBounds(query) }) : list;
    },
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/studies/:study/participants',
      summary: 'Enroll a participant',
      tag: 'participants',
      auth: 'actor',
      params: study,
      ...parsedByService(enrollSchema),
      response: participantAnswer,
      status: 201,
    },
    ({ actor, params, body }) => participants.enroll(actor, params.study, body),
  );
  // A lookup carries an identifier, so it is a POST: identifiers never go into URLs or access logs.
  route(
    {
      method: 'POST',
      url: '/api/v1/studies/:study/participants/lookup',
      summary: 'Find participants by MRN, e-mail or phone (blind index; audited)',
      tag: 'participants',
      auth: 'actor',
      params: study,
      body: z.object({ kind: z.string().max(16), value: z.string().max(320) }),
      response: itemsOf(participantAnswer),
    },
    async ({ actor, params, body }) => {
      const found = await participants.lookup(actor, params.study, body.kind, body.value);
      return found.ok ? ok({ items: found.value }) : found;
    },
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/participants/:id',
      summary: 'One participant (consent date with reveal=true, audited)',
      tag: 'participants',
      auth: 'actor',
      params: id,
      query: reveal,
      response: participantAnswer,
    },
    ({ actor, params, query }) => participants.get(actor, params.id, { reveal: query.reveal === 'true' }),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/participants/:id/status',
      summary: 'Change a participant status (with reason)',
      tag: 'participants',
      auth: 'actor',
      params: id,
      body: z.object({ status: z.string().max(32), reason: z.string().max(1000) }),
      response: participantAnswer,
    },
    ({ actor, params, body }) => participants.setStatus(actor, params.id, body.status, body.reason),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/participants/:id/erase',
      summary: 'Crypto-shred a participant (with reason)',
      tag: 'participants',
      auth: 'actor',
      params: id,
      body: reason,
      response: participantAnswer,
    },
    ({ actor, params, body }) => participants.erase(actor, params.id, body.reason),
  );
}
