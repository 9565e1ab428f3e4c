import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Vault } from '../app/vault.js';
import { ok } from '../core/result.js';
import type { Route } from '../server/api-registry.js';
import { paged, pageQuery } from '../server/pagination.js';
import { clearSessionCookies, sessionToken, setSessionCookies } from '../server/security.js';

const credentials = z.object({ email: z.string().max(254), password: z.string().max(1024) });
const code = z.object({ code: z.string().max(32) });

export function registerAccessRoutes(route: Route, vault: Vault, tls: boolean): void {
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/login',
      summary: 'Sign in (sets the session and CSRF cookies)',
      tag: 'auth',
      auth: 'public',
      body: credentials,
    },
    async ({ body, request, reply }) => {
      const signIn = await vault.auth.login(body.email, body.password, request.ip);
      if (!signIn.ok) return signIn;
      // A new session token at every sign-in (ASVS 7.2.4); the CSRF token is its double-submit partner.
      setSessionCookies(reply, signIn.value.token, randomBytes(32).toString('base64url'), tls);
      return ok({ state: signIn.value.state });
    },
  );
  const withSession = <T>(
    request: Parameters<typeof sessionToken>[0],
    work: (token: string) => Promise<T>,
  ) => {
    const token = sessionToken(request);
    return token.ok ? work(token.value) : Promise.resolve(token);
  };
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/totp',
      summary: 'Second factor: a TOTP or recovery code',
      tag: 'auth',
      auth: 'public',
      body: code,
    },
    async ({ body, request }) =>
      withSession(request, async (token) => {
        const done = await vault.auth.verifyMfa(token, body.code);
        return done.ok ? ok({ state: done.value.state }) : done;
      }),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/totp/enroll',
      summary: 'Start TOTP enrollment (otpauth URI for the QR code)',
      tag: 'auth',
      auth: 'public',
      body: z.object({}).optional(),
    },
    async ({ request }) => withSession(request, (token) => vault.auth.beginEnrollment(token)),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/totp/confirm',
      summary: 'Confirm TOTP enrollment; returns recovery codes once',
      tag: 'auth',
      auth: 'public',
      body: code,
    },
    async ({ body, request }) =>
      withSession(request, (token) => vault.auth.confirmEnrollment(token, body.code)),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/logout',
      summary: "Sign out (ends all of the user's sessions)",
      tag: 'auth',
      auth: 'public',
      body: z.object({}).optional(),
    },
    async ({ request, reply }) =>
      withSession(request, async (token) => {
        const done = await vault.auth.logout(token);
        clearSessionCookies(reply, tls);
        return done;
      }),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/auth/me',
      summary: 'The signed-in user and their roles',
      tag: 'auth',
      auth: 'actor',
    },
    ({ actor }) => vault.users.me(actor),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/users',
      summary: 'Accounts (administrators; paginated)',
      tag: 'users',
      auth: 'actor',
      query: pageQuery,
    },
    ({ actor, query }) => paged(vault.users.list(actor), query),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/users',
      summary: 'Create an account',
      tag: 'users',
      auth: 'actor',
      body: z.unknown(),
      status: 201,
    },
    ({ actor, body }) => vault.users.addUser(actor, body),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/users/disable',
      summary: 'Disable an account (its sessions end)',
      tag: 'users',
      auth: 'actor',
      body: z.object({ email: z.string().max(254) }),
    },
    ({ actor, body }) => vault.users.disable(actor, body.email),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/grants',
      summary: 'Grant a role',
      tag: 'users',
      auth: 'actor',
      body: z.unknown(),
      status: 201,
    },
    ({ actor, body }) => vault.users.grant(actor, body),
  );
  route(
    {
      method: 'DELETE',
      url: '/api/v1/grants/:id',
      summary: 'Revoke a grant',
      tag: 'users',
      auth: 'actor',
      params: z.object({ id: z.string().max(64) }),
    },
    ({ actor, params }) => vault.users.revokeGrant(actor, params.id),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/tokens',
      summary: 'Create an API token (shown once)',
      tag: 'tokens',
      auth: 'actor',
      body: z.unknown(),
      status: 201,
    },
    ({ actor, body }) => vault.tokens.create(actor, body),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/tokens',
      summary: "A study's API tokens (never their secrets; study administrators)",
      tag: 'tokens',
      auth: 'actor',
      params: z.object({ study: z.string().min(1).max(64) }),
      query: pageQuery,
    },
    ({ actor, params, query }) => paged(vault.tokens.list(actor, params.study), query),
  );
  route(
    {
      method: 'DELETE',
      url: '/api/v1/tokens/:id',
      summary: 'Revoke an API token',
      tag: 'tokens',
      auth: 'actor',
      params: z.object({ id: z.string().max(64) }),
    },
    ({ actor, params }) => vault.tokens.revoke(actor, params.id),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/break-glass',
      summary: 'Emergency access (justified, time-limited, audited)',
      tag: 'access',
      auth: 'actor',
      body: z.unknown(),
      status: 201,
    },
    ({ actor, body }) => vault.breakGlass.start(actor, body),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/break-glass/:id/review',
      summary: 'Review a break-glass (a second person: study administrator or PI, not the requester)',
      tag: 'access',
      auth: 'actor',
      params: z.object({ id: z.string().max(64) }),
      body: z.unknown(),
    },
    ({ actor, params, body }) => vault.breakGlass.review(actor, params.id, body),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/break-glass',
      summary: 'Break-glass sessions, reviews due and overdue (study administrators, PIs)',
      tag: 'access',
      auth: 'actor',
      params: z.object({ study: z.string().max(64) }),
      query: pageQuery,
    },
    ({ actor, params, query }) => paged(vault.breakGlass.list(actor, params.study), query),
  );
}
