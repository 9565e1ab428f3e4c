import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ok } from '../core/result.js';
import { idAnswer, nothing } from '../http/answers.js';
import type { Route } from '../http/api-registry.js';
import { clearSessionCookies, setSessionCookies } from '../http/cookies.js';
import {
  browserSessionAnswer,
  endedAnswer,
  meAnswer,
  passkeyAnswer,
  passkeysAnswer,
  recoveryCodesAnswer,
  signInAnswer,
  stateAnswer,
  totpSecretAnswer,
  webauthnOptions,
} from './access-answers.js';
import type { AuthService, SignIn } from './auth-service.js';
import type { PasskeyService } from './passkey-service.js';
import type { FactorChanges, RelyingParty } from './totp-enrollment.js';
import type { UserService } from './user-service.js';

const credentials = z.object({ email: z.string().max(254), password: z.string().max(1024) });
const code = z.object({ code: z.string().max(32) });
/** A WebAuthn response (assertion or attestation): the library checks the rest (passkey-service.ts). */
const webauthnResponse = z.object({ id: z.string().max(1024) }).passthrough();
/** Re-authentication before a factor changes: the password and a code, or a passkey assertion. */
const reauth = z.object({
  password: z.string().max(1024).optional(),
  code: z.string().max(32).optional(),
  passkey: webauthnResponse.optional(),
});

/** Where WebAuthn ceremonies are bound: TRIALVAULT_RP_ID / TRIALVAULT_ORIGIN, else the request's host. */
export interface RelyingPartyConfig {
  readonly rpId?: string | undefined;
  readonly origin?: string | undefined;
}

function relyingParty(request: FastifyRequest, config: RelyingPartyConfig): RelyingParty {
  return {
    rpId: config.rpId ?? request.hostname,
    origin: config.origin ?? `${request.protocol}://${request.host}`,
  };
}

/** What the sign-in routes call: the access services, nothing else of the vault. */
export interface AuthRouteServices {
  readonly auth: AuthService;
  readonly factors: FactorChanges;
  readonly passkeys: PasskeyService;
  readonly users: UserService;
}

/**
 * Sign-in and second factors. Every step that tries a secret counts against the 'sign-in' rate limit
 * of its operation (applied after routing, whatever the spelling of the path; ASVS 6.3.1); reading
 * `/auth/me` or signing out does not.
 */
export function registerAuthRoutes(
  route: Route,
  { auth, factors, passkeys, users }: AuthRouteServices,
  rp: RelyingPartyConfig,
): void {
  // The second factor accepted: the session's new token (ASVS 7.2.4) and a new CSRF partner.
  const signedIn = (reply: FastifyReply, done: SignIn) => {
    setSessionCookies(reply, done.token, randomBytes(32).toString('base64url'));
    return ok({ state: done.state });
  };
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/login',
      summary: 'Sign in (sets the session and CSRF cookies)',
      tag: 'auth',
      auth: 'public',
      response: signInAnswer,
      body: credentials,
      rateLimit: 'sign-in',
    },
    async ({ body, request, reply }) => {
      const signIn = await auth.login(body.email, body.password, request.ip);
      if (!signIn.ok) return signIn;
      // A new session token at every sign-in (ASVS 7.2.4); the CSRF token is its double-submit partner.
      setSessionCookies(reply, signIn.value.token, randomBytes(32).toString('base64url'));
      return ok({
        state: signIn.value.state,
        ...(signIn.value.factors === undefined ? {} : { factors: signIn.value.factors }),
      });
    },
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/totp',
      summary: 'Second factor: a TOTP or recovery code',
      tag: 'auth',
      auth: 'session',
      response: stateAnswer,
      body: code,
      rateLimit: 'sign-in',
    },
    async ({ body, reply, session }) => {
      const done = await auth.verifyMfa(session, body.code);
      return done.ok ? signedIn(reply, done.value) : done;
    },
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/totp/enroll',
      summary: 'Start TOTP enrolment (otpauth URI); with a factor already: password and current code',
      tag: 'auth',
      auth: 'session',
      response: totpSecretAnswer,
      body: reauth.optional(),
      rateLimit: 'sign-in',
    },
    async ({ body, session }) => factors.beginTotp(session, body ?? {}),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/totp/confirm',
      summary: 'Confirm TOTP enrolment with a code of the new secret; returns recovery codes once',
      tag: 'auth',
      auth: 'session',
      response: recoveryCodesAnswer,
      body: code,
      rateLimit: 'sign-in',
    },
    async ({ body, reply, session }) => {
      const done = await factors.confirmTotp(session, body.code);
      if (!done.ok) return done;
      // A first enrolment activated the session under a new token (ASVS 7.2.4): set as a cookie only.
      const { token: fresh, recoveryCodes } = done.value;
      if (fresh !== undefined) setSessionCookies(reply, fresh, randomBytes(32).toString('base64url'));
      return ok({ recoveryCodes });
    },
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/totp/remove',
      summary: 'Remove the authenticator app (password and current code or passkey)',
      tag: 'auth',
      auth: 'session',
      response: nothing,
      body: reauth,
      rateLimit: 'sign-in',
    },
    async ({ body, session }) => factors.removeTotp(session, body),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/webauthn/challenge',
      summary: 'A passkey assertion challenge (to sign in, or to re-authenticate)',
      tag: 'auth',
      auth: 'session',
      response: webauthnOptions,
      body: z.object({}).optional(),
      rateLimit: 'sign-in',
    },
    async ({ request, session }) => passkeys.challenge(session, relyingParty(request, rp)),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/webauthn',
      summary: 'Second factor: a passkey assertion',
      tag: 'auth',
      auth: 'session',
      response: stateAnswer,
      body: webauthnResponse,
      rateLimit: 'sign-in',
    },
    async ({ body, request, reply, session }) => {
      const done = await passkeys.signIn(session, body, relyingParty(request, rp));
      return done.ok ? signedIn(reply, done.value) : done;
    },
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/auth/passkeys',
      summary: "The signed-in user's passkeys (and whether an authenticator app is set up)",
      tag: 'auth',
      auth: 'session',
      response: passkeysAnswer,
    },
    async ({ session }) => passkeys.list(session),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/passkeys/options',
      summary: 'Start adding a passkey (password and current code or passkey)',
      tag: 'auth',
      auth: 'session',
      response: webauthnOptions,
      body: reauth,
      rateLimit: 'sign-in',
    },
    async ({ body, request, session }) =>
      passkeys.registrationOptions(session, body, relyingParty(request, rp)),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/passkeys',
      summary: 'Finish adding a passkey (the browser’s attestation)',
      tag: 'auth',
      auth: 'session',
      response: passkeyAnswer,
      body: z.object({ name: z.string().max(100).optional(), response: webauthnResponse }),
      status: 201,
      rateLimit: 'sign-in',
    },
    async ({ body, request, session }) =>
      passkeys.register(session, body.response, body.name ?? '', relyingParty(request, rp)),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/passkeys/:id/remove',
      summary: 'Remove a passkey (password and current code or passkey)',
      tag: 'auth',
      auth: 'session',
      response: idAnswer,
      params: z.object({ id: z.string().max(1024) }),
      body: reauth,
      rateLimit: 'sign-in',
    },
    async ({ body, params, request, session }) =>
      passkeys.remove(session, params.id, body, relyingParty(request, rp)),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/auth/logout',
      summary: "Sign out (ends all of the user's sessions)",
      tag: 'auth',
      auth: 'session',
      response: endedAnswer,
      body: z.object({}).optional(),
    },
    async ({ reply, session }) => {
      const done = await auth.logout(session);
      clearSessionCookies(reply);
      return done;
    },
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/auth/me',
      summary: 'The signed-in user and their roles',
      tag: 'auth',
      auth: 'actor',
      response: meAnswer,
    },
    ({ actor }) => users.me(actor),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/auth/session',
      summary: 'This browser session: idle and absolute timeouts, and the key unsaved entry is kept under',
      tag: 'auth',
      auth: 'session',
      response: browserSessionAnswer,
    },
    ({ session }) => auth.browserSession(session),
  );
}
