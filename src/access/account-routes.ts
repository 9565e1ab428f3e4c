import { z } from 'zod';
import { nothing } from '../http/answers.js';
import type { Route } from '../http/api-registry.js';
import { endedAnswer, grantsHeldAnswer, temporaryPasswordAnswer, userAnswer } from './access-answers.js';
import { type AccountAdmin, adminResetSchema, ownPasswordSchema } from './account-admin.js';

const byEmail = z.object({ email: z.string().max(254) });

/** Account administration beyond create/disable/unlock, and everyone's own password (issue #15 item 8). */
export function registerAccountRoutes(route: Route, { accounts }: { readonly accounts: AccountAdmin }): void {
  route(
    {
      method: 'POST',
      url: '/api/v1/users/enable',
      summary: 'Re-enable a disabled account (audited)',
      tag: 'users',
      auth: 'actor',
      response: userAnswer,
      body: byEmail,
    },
    ({ actor, body }) => accounts.enable(actor, body.email),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/users/grants',
      summary: "A user's active grants, with their ids for revoking (administrators)",
      tag: 'users',
      auth: 'actor',
      response: grantsHeldAnswer,
      body: byEmail,
    },
    ({ actor, body }) => accounts.grants(actor, body.email),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/users/reset-password',
      summary: "Set a temporary password (shown once); the administrator's password and current code",
      tag: 'users',
      auth: 'session',
      response: temporaryPasswordAnswer,
      body: adminResetSchema,
      rateLimit: 'sign-in',
    },
    ({ session, body }) => accounts.resetPassword(session, body),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/users/reset-second-factor',
      summary: "Remove an account's second factors; the administrator's password and current code",
      tag: 'users',
      auth: 'session',
      response: nothing,
      body: adminResetSchema,
      rateLimit: 'sign-in',
    },
    ({ session, body }) => accounts.resetSecondFactor(session, body),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/password',
      summary: 'Change your own password (current password and current code; other sessions end)',
      tag: 'auth',
      auth: 'session',
      response: endedAnswer,
      body: ownPasswordSchema,
      rateLimit: 'sign-in',
    },
    ({ session, body }) => accounts.changeOwnPassword(session, body),
  );
}
