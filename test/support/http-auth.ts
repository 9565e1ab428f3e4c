import { generate } from 'otplib';
import type { Vault } from '../../src/app/vault.js';
import type { Role } from '../../src/authz/roles.js';
import { expectOk } from '../../src/core/result.js';
import type { buildApp } from '../../src/server/app.js';
import { TEST_PASSWORD, userWithRole } from './access.js';
import type { TestClock } from './clock.js';

export type App = Awaited<ReturnType<typeof buildApp>>;

export function cookiesOf(setCookie: string | string[] | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie];
  return list.map((c) => c.split(';')[0]).join('; ');
}

/** The TOTP code of a secret at the test clock's time (or `offset` steps later). */
export function codeAt(secret: string, clock: TestClock, offsetSteps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(clock.time / 1000) + offsetSteps * 30 });
}

/** A user of a role that needs MFA, with TOTP enrolled at first sign-in as the web app does it. */
export async function userWithTotp(
  vault: Vault,
  clock: TestClock,
  study?: string,
  role: Role = 'system_admin',
) {
  const { email, user } = await userWithRole(vault, role, study);
  const signIn = expectOk(await vault.auth.login(email, TEST_PASSWORD));
  const { secret } = expectOk(await vault.factors.beginTotp(signIn.token, {}));
  const { recoveryCodes } = expectOk(
    await vault.factors.confirmTotp(signIn.token, await codeAt(secret, clock)),
  );
  clock.advance(1); // later codes are of later time steps
  return { email, userId: user.id, secret, recoveryCodes };
}

/** Signs in with the password over HTTP: the cookie header, the CSRF token and the answer. */
export async function passwordSignIn(app: App, email: string, password = TEST_PASSWORD) {
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  const cookie = cookiesOf(login.headers['set-cookie']);
  const csrf = /__Host-tv_csrf=([^;]+)/.exec(cookie)?.[1] ?? '';
  return { login, cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}

/** Password and TOTP over HTTP: an active session. */
export async function fullSignIn(app: App, email: string, secret: string, clock: TestClock) {
  const session = await passwordSignIn(app, email);
  clock.advance(0.5);
  const totp = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/totp',
    headers: session.headers,
    payload: { code: await codeAt(secret, clock) },
  });
  if (totp.statusCode !== 200) return { ...session, totp };
  // The accepted second factor issues a new session token (ASVS 7.2.4): the active session's cookies.
  const cookie = cookiesOf(totp.headers['set-cookie']);
  const csrf = /__Host-tv_csrf=([^;]+)/.exec(cookie)?.[1] ?? '';
  return { ...session, cookie, csrf, headers: { cookie, 'x-csrf-token': csrf }, totp };
}
