import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appError } from '../core/errors.js';
import { err, type Result } from '../core/result.js';

const unauthenticated = appError('UNAUTHENTICATED', 'Sign in first.');

/**
 * `__Host-` cookies (RFC 6265bis 4.1.3.2): only ever set with Secure, Path=/ and no Domain, so a
 * sibling subdomain or a plain-http page on the network cannot plant or overwrite them (ASVS 3.3.1,
 * issue #12 finding 9). Browsers treat http://127.0.0.1 and http://localhost as secure contexts and
 * accept them there, so the plain-http demo on loopback keeps working (test/e2e/web.e2e.test.ts signs
 * in over http://127.0.0.1); plain http on any other address needs the TLS proxy anyway.
 */
export const SESSION_COOKIE = '__Host-tv_session';
export const CSRF_COOKIE = '__Host-tv_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const value = part.slice(i + 1).trim();
    // Our own cookies are base64url and never escaped; a bad escape in another cookie is ignored.
    cookies.set(part.slice(0, i).trim(), value.includes('%') ? safeDecode(value) : value);
  }
  return cookies;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** The session token from the cookie, with the CSRF check for unsafe methods (ASVS 3.5.1). */
export function sessionToken(request: FastifyRequest): Result<string> {
  const cookies = parseCookies(request.headers.cookie);
  const token = cookies.get(SESSION_COOKIE);
  if (token === undefined) return err(unauthenticated);
  if (UNSAFE.has(request.method)) {
    const header = request.headers[CSRF_HEADER];
    if (typeof header !== 'string' || !sameSecret(header, cookies.get(CSRF_COOKIE) ?? '')) {
      return err(appError('FORBIDDEN', 'The CSRF token is missing or wrong: reload the page.'));
    }
  }
  return { ok: true, value: token };
}

const FLAGS = 'Path=/; SameSite=Strict; Secure';

export function setSessionCookies(reply: FastifyReply, token: string, csrf: string): void {
  const flags = FLAGS;
  reply.header('set-cookie', [
    `${SESSION_COOKIE}=${token}; HttpOnly; ${flags}`,
    `${CSRF_COOKIE}=${csrf}; ${flags}`,
  ]);
}

export function clearSessionCookies(reply: FastifyReply): void {
  const flags = `${FLAGS}; Max-Age=0`;
  reply.header('set-cookie', [`${SESSION_COOKIE}=; HttpOnly; ${flags}`, `${CSRF_COOKIE}=; ${flags}`]);
}
