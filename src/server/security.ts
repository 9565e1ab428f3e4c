import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthService } from '../access/auth-service.js';
import type { TokenService } from '../access/token-service.js';
import type { Actor } from '../core/actor.js';
import type { Result } from '../core/result.js';
import { sessionToken } from '../http/cookies.js';

/** Cookie session (browser) or bearer API token (integrations) -> the actor services authorize. */
export function actorResolver(vault: {
  readonly tokens: Pick<TokenService, 'authenticate'>;
  readonly auth: Pick<AuthService, 'authenticate'>;
}) {
  return async (request: FastifyRequest): Promise<Result<Actor>> => {
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) {
      return vault.tokens.authenticate(authorization.slice(7).trim());
    }
    const token = sessionToken(request);
    if (!token.ok) return token;
    return vault.auth.authenticate(token.value);
  };
}

// Pages (the web app, the API docs): what a browser needs to render them safely.
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};
// JSON answers are never rendered: the OWASP REST Security Cheat Sheet's set, with a CSP that allows
// nothing at all. Fewer bytes on every API answer, and a stricter policy than the pages'.
const API_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Security headers on every answer (ASVS 3.4): a CSP without 'unsafe-inline', no framing, no sniffing,
 * no referrer, and no caching of API answers; HSTS when serving TLS. A callback hook, not an async
 * one: it runs on every request and needs no promise.
 */
export function registerSecurityHeaders(app: FastifyInstance, tls: boolean): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    const json = typeof type === 'string' && type.startsWith('application/json');
    reply.headers(json ? API_HEADERS : PAGE_HEADERS);
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    if (tls) reply.header('strict-transport-security', HSTS);
    done(null, payload);
  });
}
