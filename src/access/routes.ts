import { z } from 'zod';
import { idAnswer, pageOf } from '../http/answers.js';
import { parsedByService, type Route } from '../http/api-registry.js';
import { paged, pageQuery } from '../http/pagination.js';
import {
  breakGlassAnswer,
  grantAnswer,
  newTokenAnswer,
  newUserAnswer,
  tokenAnswer,
  unlockedAnswer,
  userAnswer,
} from './access-answers.js';
import { type BreakGlassService, reviewSchema, startSchema } from './break-glass-service.js';
import { type TokenService, tokenRequestSchema } from './token-service.js';
import { grantSchema, newUserSchema, type UserService } from './user-service.js';

/** What the account, token and break-glass routes call (sign-in is auth-routes.ts). */
export interface AccessRouteServices {
  readonly users: UserService;
  readonly tokens: TokenService;
  readonly breakGlass: BreakGlassService;
}

export function registerAccessRoutes(route: Route, { users, tokens, breakGlass }: AccessRouteServices): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/users',
      summary: 'Accounts (administrators; paginated)',
      tag: 'users',
      auth: 'actor',
      response: pageOf(userAnswer),
      query: pageQuery,
    },
    ({ actor, query }) => paged(users.list(actor), query),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/users',
      summary: 'Create an account',
      tag: 'users',
      auth: 'actor',
      response: newUserAnswer,
      ...parsedByService(newUserSchema),
      status: 201,
    },
    ({ actor, body }) => users.addUser(actor, body),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/users/disable',
      summary: 'Disable an account (its sessions end)',
      tag: 'users',
      auth: 'actor',
      response: userAnswer,
      body: z.object({ email: z.string().max(254) }),
    },
    ({ actor, body }) => users.disable(actor, body.email),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/users/unlock',
      summary: 'Unlock an account locked by wrong passwords or second-factor codes (audited)',
      tag: 'users',
      auth: 'actor',
      response: unlockedAnswer,
      body: z.object({ email: z.string().max(254) }),
    },
    ({ actor, body }) => users.unlock(actor, body.email),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/grants',
      summary: 'Grant a role',
      tag: 'users',
      auth: 'actor',
      response: grantAnswer,
      ...parsedByService(grantSchema),
      status: 201,
    },
    ({ actor, body }) => users.grant(actor, body),
  );
  route(
    {
      method: 'DELETE',
      url: '/api/v1/grants/:id',
      summary: 'Revoke a grant',
      tag: 'users',
      auth: 'actor',
      response: idAnswer,
      params: z.object({ id: z.string().max(64) }),
    },
    ({ actor, params }) => users.revokeGrant(actor, params.id),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/tokens',
      summary: 'Create an API token (shown once)',
      tag: 'tokens',
      auth: 'actor',
      response: newTokenAnswer,
      ...parsedByService(tokenRequestSchema),
      status: 201,
    },
    ({ actor, body }) => tokens.create(actor, body),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/tokens',
      summary: "A study's API tokens (never their secrets; study administrators)",
      tag: 'tokens',
      auth: 'actor',
      response: pageOf(tokenAnswer),
      params: z.object({ study: z.string().min(1).max(64) }),
      query: pageQuery,
    },
    ({ actor, params, query }) => paged(tokens.list(actor, params.study), query),
  );
  route(
    {
      method: 'DELETE',
      url: '/api/v1/tokens/:id',
      summary: 'Revoke an API token',
      tag: 'tokens',
      auth: 'actor',
      response: idAnswer,
      params: z.object({ id: z.string().max(64) }),
    },
    ({ actor, params }) => tokens.revoke(actor, params.id),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/break-glass',
      summary: 'Emergency access (justified, time-limited, audited)',
      tag: 'access',
      auth: 'actor',
      response: breakGlassAnswer,
      ...parsedByService(startSchema),
      status: 201,
    },
    ({ actor, body }) => breakGlass.start(actor, body),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/break-glass/:id/review',
      summary: 'Review a break-glass (a second person: study administrator or PI, not the requester)',
      tag: 'access',
      auth: 'actor',
      response: breakGlassAnswer,
      params: z.object({ id: z.string().max(64) }),
      ...parsedByService(reviewSchema),
    },
    ({ actor, params, body }) => breakGlass.review(actor, params.id, body),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/break-glass',
      summary: 'Break-glass sessions, reviews due and overdue (study administrators, PIs)',
      tag: 'access',
      auth: 'actor',
      response: pageOf(breakGlassAnswer),
      params: z.object({ study: z.string().max(64) }),
      query: pageQuery,
    },
    ({ actor, params, query }) => paged(breakGlass.list(actor, params.study), query),
  );
}
