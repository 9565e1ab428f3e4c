import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import type { Vault } from '../../src/app/vault.js';
import type { Role } from '../../src/authz/roles.js';
import { expectOk } from '../../src/core/result.js';
import { buildApp } from '../../src/server/app.js';
import type { Dialect } from '../../src/storage/dialect.js';
import { TEST_PASSWORD, userWithRole } from './access.js';
import { TestClock } from './clock.js';
import { seedStudy } from './fixtures.js';
import { freshVault, type TestVault } from './stores.js';

/** An HTTP answer; tests check its JSON field by field. */
// biome-ignore lint/suspicious/noExplicitAny: the JSON of an answer, read field by field in assertions
export type Answer = { status: number; body: any };

/** What an attacker holds after signing in over HTTP: its cookies, and a way to call the API with them. */
export interface Caller {
  readonly email: string;
  readonly userId: string;
  /** A current TOTP code of the caller's authenticator (a later time step each call). */
  nextCode(): Promise<string>;
  call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<Answer>;
}

export interface Arena {
  readonly t: TestVault;
  readonly app: FastifyInstance;
  readonly clock: TestClock;
  readonly study: { id: string; protocolId: string };
  /** A user with one role (study-wide unless a site is given), signed in over HTTP with password and TOTP. */
  signIn(role: Role, site?: string, study?: string): Promise<Caller>;
  /** Calls with a bearer token. */
  bearer(
    token: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
  ): Promise<Answer>;
  close(): Promise<void>;
}

function cookiesOf(setCookie: string | string[] | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie];
  return list.map((c) => c.split(';')[0]).join('; ');
}

/** A real server on a fresh store with a seeded study (sites S01, S02), for attacks from outside. */
export async function arena(dialect: Dialect): Promise<Arena> {
  const clock = new TestClock();
  const t = await freshVault(dialect, { clock });
  const app = await buildApp({ vault: t.vault, authPerMinute: 10_000 });
  const study = await seedStudy(t.vault);
  const code = async (secret: string) => {
    clock.advance(1); // a later time step: each code is accepted once
    return generate({ secret, epoch: Math.floor(clock.time / 1000) });
  };
  return {
    t,
    app,
    clock,
    study: { id: study.id, protocolId: study.protocolId },
    async signIn(role, site, studyId) {
      const vault: Vault = t.vault;
      const { email, user } = await userWithRole(vault, role, studyId ?? study.id, site);
      const first = expectOk(await vault.auth.login(email, TEST_PASSWORD));
      // A role that needs no second factor signs in active: enrolling from there takes the password.
      const { secret } = expectOk(await vault.factors.beginTotp(first.token, { password: TEST_PASSWORD }));
      expectOk(await vault.factors.confirmTotp(first.token, await code(secret)));
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: TEST_PASSWORD },
      });
      const pre = cookiesOf(login.headers['set-cookie']);
      const totp = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/totp',
        headers: { cookie: pre, 'x-csrf-token': /tv_csrf=([^;]+)/.exec(pre)?.[1] ?? '' },
        payload: { code: await code(secret) },
      });
      if (totp.statusCode !== 200) throw new Error(`sign-in failed: ${totp.body}`);
      // The accepted second factor issues a new session token (ASVS 7.2.4).
      const cookie = cookiesOf(totp.headers['set-cookie']);
      const csrf = /tv_csrf=([^;]+)/.exec(cookie)?.[1] ?? '';
      return {
        email,
        userId: user.id,
        nextCode: () => code(secret),
        async call(method, url, payload) {
          const response = await app.inject({
            method,
            url,
            headers: { cookie, 'x-csrf-token': csrf },
            ...(payload === undefined ? {} : { payload: payload as object }),
          });
          return { status: response.statusCode, body: response.body === '' ? null : response.json() };
        },
      };
    },
    async bearer(token, method, url, payload) {
      const response = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      return { status: response.statusCode, body: response.body === '' ? null : response.json() };
    },
    async close() {
      await app.close();
      await t.cleanup();
    },
  };
}
