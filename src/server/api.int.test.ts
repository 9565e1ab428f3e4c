import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, userWithRole } from '../../test/support/access.js';
import { TestClock } from '../../test/support/clock.js';
import { enrollWithDemographics, PERSON, seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { buildApp } from './app.js';

type App = Awaited<ReturnType<typeof buildApp>>;

function cookiesOf(setCookie: string | string[] | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie];
  return list.map((c) => c.split(';')[0]).join('; ');
}

for (const dialect of DIALECTS) {
  describe(`HTTP API (${dialect})`, () => {
    let t: TestVault;
    let app: App;
    const clock = new TestClock();
    let f: {
      studyId: string;
      own: { participantId: string; recordId: string };
      other: { participantId: string; recordId: string };
      email: string;
      secret: string;
    };
    beforeAll(async () => {
      t = await freshVault(dialect, { clock });
      app = await buildApp({ vault: t.vault, authPerMinute: 1000 });
      const study = await seedStudy(t.vault);
      const own = await enrollWithDemographics(t.vault, study.id, 'S01');
      const other = await enrollWithDemographics(t.vault, study.id, 'S02', { ...PERSON, MRN: 'MRN-7777-ZZ' });
      const { email } = await userWithRole(t.vault, 'coordinator', study.id, 'S01');
      const signIn = expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      const { secret } = expectOk(await t.vault.factors.beginTotp(signIn.token, {}));
      expectOk(
        await t.vault.factors.confirmTotp(
          signIn.token,
          await generate({ secret, epoch: Math.floor(clock.time / 1000) }),
        ),
      );
      f = {
        studyId: study.id,
        own: { participantId: own.participant.id, recordId: own.record.id },
        other: { participantId: other.participant.id, recordId: other.record.id },
        email,
        secret,
      };
    });
    afterAll(async () => {
      await app.close();
      await t.cleanup();
    });

    /** Signs in over HTTP with password and TOTP; returns the cookie header and the CSRF token. */
    async function signIn() {
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: f.email, password: TEST_PASSWORD },
      });
      expect(login.statusCode).toBe(200);
      const cookie = cookiesOf(login.headers['set-cookie']);
      expect(String(login.headers['set-cookie'])).toContain('HttpOnly');
      expect(String(login.headers['set-cookie'])).toContain('SameSite=Strict');
      const csrf = /tv_csrf=([^;]+)/.exec(cookie)?.[1] ?? '';
      expect(login.json()).toEqual({ state: 'mfa', factors: { totp: true, passkey: false } });
      clock.advance(1); // a later TOTP time step: each code is accepted once
      const code = await generate({ secret: f.secret, epoch: Math.floor(clock.time / 1000) });
      const totp = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/totp',
        headers: { cookie, 'x-csrf-token': csrf },
        payload: { code },
      });
      // An accepted second factor issues a new session token (ASVS 7.2.4).
      if (totp.statusCode !== 200) return { cookie, csrf, totp };
      const active = cookiesOf(totp.headers['set-cookie']);
      return { cookie: active, csrf: /tv_csrf=([^;]+)/.exec(active)?.[1] ?? '', totp };
    }

    it('publishes every /api/v1 route in the OpenAPI 3.1 document and browsable docs', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      expect(doc.openapi).toBe('3.1.0');
      const documented = new Set(
        Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
          Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
        ),
      );
      const routes = app.printRoutes({ commonPrefix: false });
      expect(documented.size).toBeGreaterThan(30);
      for (const entry of documented)
        expect(routes).toContain(
          entry
            .split(' ')[1]
            ?.replace(/\{(\w+)\}/g, ':$1')
            .split('/')
            .pop() ?? '',
        );
      const docs = await app.inject({ method: 'GET', url: '/api/docs' });
      expect(docs.statusCode).toBe(200);
      expect(docs.body).toContain('/api/v1/records/:id');
    });

    it('ASVS 8.1.1: every non-public route answers 401 without a session, and never a 5xx on malformed input', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      for (const [path, ops] of Object.entries(
        doc.paths as Record<string, Record<string, { security: unknown[] }>>,
      )) {
        for (const [method, op] of Object.entries(ops)) {
          const url = path.replace(/\{\w+\}/g, 'x');
          const response = await app.inject({
            method: method.toUpperCase() as 'GET',
            url,
            ...(method === 'get' ? {} : { payload: { junk: ['{', null] } }),
          });
          expect(response.statusCode, `${method} ${path}`).toBeLessThan(500);
          if (op.security.length > 0) {
            expect(response.statusCode, `${method} ${path}`).toBe(401);
            expect(response.json().error.code).toBe('UNAUTHENTICATED');
          }
          const garbage = await app.inject({
            method: method.toUpperCase() as 'GET',
            url: `${url}?limit=-5&reveal=maybe&index=NaN`,
            headers: { 'content-type': 'application/json' },
            ...(method === 'get' ? {} : { payload: '{"unterminated' }),
          });
          expect(garbage.statusCode, `${method} ${path} garbage`).toBeLessThan(500);
        }
      }
    });

    it('signs in with password and TOTP, then reads, reveals (audited) and corrects with a reason', async () => {
      const { cookie, csrf, totp } = await signIn();
      expect(totp.json()).toEqual({ state: 'active' });
      const me = (await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).json();
      expect(me).toMatchObject({
        actor: 'user',
        mfa: true,
        roles: [expect.objectContaining({ role: 'coordinator' })],
      });
      const list = (
        await app.inject({
          method: 'GET',
          url: `/api/v1/studies/${f.studyId}/participants`,
          headers: { cookie },
        })
      ).json();
      expect(list.items.map((p: { siteCode: string }) => p.siteCode)).toEqual(['S01']);
      const masked = (
        await app.inject({ method: 'GET', url: `/api/v1/records/${f.own.recordId}`, headers: { cookie } })
      ).json();
      expect(masked.values.FULL_NAME).toBeUndefined();
      const revealed = (
        await app.inject({
          method: 'GET',
          url: `/api/v1/records/${f.own.recordId}?reveal=true`,
          headers: { cookie },
        })
      ).json();
      expect(revealed.values.FULL_NAME).toBe(PERSON.FULL_NAME);
      const noCsrf = await app.inject({
        method: 'PUT',
        url: `/api/v1/records/${f.own.recordId}`,
        headers: { cookie },
        payload: { changes: { SEX: 'M' }, reason: 'Correction' },
      });
      expect(noCsrf.statusCode).toBe(403);
      const noReason = await app.inject({
        method: 'PUT',
        url: `/api/v1/records/${f.own.recordId}`,
        headers: { cookie, 'x-csrf-token': csrf },
        payload: { changes: { SEX: 'M' } },
      });
      expect(noReason.json().error.code).toBe('REASON_REQUIRED');
      const fixed = await app.inject({
        method: 'PUT',
        url: `/api/v1/records/${f.own.recordId}`,
        headers: { cookie, 'x-csrf-token': csrf },
        payload: { changes: { SEX: 'M' }, reason: 'Transcription error' },
      });
      expect(fixed.statusCode).toBe(200);
      const history = (
        await app.inject({
          method: 'GET',
          url: `/api/v1/records/${f.own.recordId}/history`,
          headers: { cookie },
        })
      ).json();
      expect(history.items.at(-1)).toMatchObject({
        reason: 'Transcription error',
        changes: [{ field: 'SEX', old: { value: 'F' }, new: { value: 'M' } }],
      });
      const summary = (
        await app.inject({ method: 'GET', url: `/api/v1/studies/${f.studyId}/summary`, headers: { cookie } })
      ).json();
      expect(summary.sites.map((s: { code: string }) => s.code)).toEqual(['S01']);
      expect(summary.openAlerts).toBeNull();
      expect(summary.forms).toContainEqual(
        expect.objectContaining({ form: 'DEMOG', visit: 'SCREENING', entered: 1, missing: 0 }),
      );
      const lookup = await app.inject({
        method: 'POST',
        url: `/api/v1/studies/${f.studyId}/participants/lookup`,
        headers: { cookie, 'x-csrf-token': csrf },
        payload: { kind: 'mrn', value: 'MRN-7777-ZZ' },
      });
      expect(lookup.json().items).toEqual([]);
    });

    it("ASVS 8.2.2: another site's participant and record answer 404 by URL; security headers on every answer", async () => {
      const { cookie } = await signIn();
      for (const url of [
        `/api/v1/participants/${f.other.participantId}`,
        `/api/v1/records/${f.other.recordId}`,
        `/api/v1/records/${f.other.recordId}/history`,
      ]) {
        const response = await app.inject({ method: 'GET', url, headers: { cookie } });
        expect(response.statusCode, url).toBe(404);
      }
      const response = await app.inject({ method: 'GET', url: '/api/v1/studies', headers: { cookie } });
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(response.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      // JSON is never rendered: its policy allows nothing at all (OWASP REST Security Cheat Sheet).
      expect(response.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      const page = await app.inject({ method: 'GET', url: '/' });
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(page.headers['x-frame-options']).toBe('DENY');
      const error = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
      expect(error.statusCode).toBe(404);
      expect(error.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(error.headers['cache-control']).toBe('no-store');
    });

    it('a malformed cookie is an unauthenticated caller, never a 5xx (ASVS 3.3.1)', async () => {
      for (const cookie of [
        '__Host-tv_session=%E0%A4%A',
        '__Host-tv_session=%',
        '=x; __Host-tv_session',
        '__Host-tv_session=a%ZZb; __Host-tv_csrf=%',
      ]) {
        const response = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
        expect(response.statusCode, cookie).toBe(401);
        expect(response.json().error.code).toBe('UNAUTHENTICATED');
      }
    });

    it("lists are paginated; the study audit trail pages by seq and keeps to the caller's sites (ASVS 8.2.2)", async () => {
      const { cookie } = await signIn();
      const get = (url: string) => app.inject({ method: 'GET', url, headers: { cookie } });
      const sites = (await get(`/api/v1/studies/${f.studyId}/sites?limit=1&offset=0`)).json();
      expect(sites).toMatchObject({ limit: 1, offset: 0 });
      expect(sites.items).toHaveLength(1);
      expect((await get(`/api/v1/studies/${f.studyId}/forms?limit=5000`)).statusCode).toBe(400);
      // Coordinators have no audit.read: the role is refused, not the study hidden (ASVS 8.2.1).
      expect((await get(`/api/v1/studies/${f.studyId}/audit`)).statusCode).toBe(403);
      const monitor = await userWithRole(t.vault, 'monitor', f.studyId, 'S01');
      const { token } = expectOk(
        await t.vault.tokens.create(CLI_ACTOR, {
          email: monitor.email,
          study: f.studyId,
          scopes: ['audit.read'],
        }),
      );
      const audit = (query: string) =>
        app.inject({
          method: 'GET',
          url: `/api/v1/studies/${f.studyId}/audit${query}`,
          headers: { authorization: `Bearer ${token}` },
        });
      const first = await audit('?limit=2');
      expect(first.statusCode).toBe(200);
      const page1 = first.json() as { items: { seq: number; participantId: string | null }[]; next: number };
      expect(page1.items).toHaveLength(2);
      expect(page1.next).toBe(page1.items[1]?.seq);
      const page2 = (await audit(`?limit=1000&after=${page1.next}`)).json() as {
        items: { seq: number; participantId: string | null }[];
        next: number | null;
      };
      expect(page2.next).toBeNull();
      const all = [...page1.items, ...page2.items];
      expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => a - b));
      // A monitor at S01 sees events about S01's participants only, never S02's.
      expect(all.some((e) => e.participantId === f.own.participantId)).toBe(true);
      expect(all.every((e) => e.participantId === f.own.participantId)).toBe(true);
      expect((await audit('?after=x')).statusCode).toBe(400);
      expect(
        (
          await app.inject({
            method: 'GET',
            url: '/api/v1/studies/no-such-study/audit',
            headers: { authorization: `Bearer ${token}` },
          })
        ).statusCode,
      ).toBe(404);
    });

    it('API tokens: bearer access within scope; revoked tokens fail', async () => {
      const { token, id } = expectOk(
        await t.vault.tokens.create(CLI_ACTOR, {
          email: f.email,
          study: f.studyId,
          scopes: ['study.read'],
        }),
      );
      const ok = await app.inject({
        method: 'GET',
        url: `/api/v1/studies/${f.studyId}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(ok.statusCode).toBe(200);
      const scope = await app.inject({
        method: 'GET',
        url: `/api/v1/studies/${f.studyId}/participants`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(scope.statusCode).toBe(403);
      expectOk(await t.vault.tokens.revoke(CLI_ACTOR, id));
      const revoked = await app.inject({
        method: 'GET',
        url: `/api/v1/studies/${f.studyId}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(revoked.statusCode).toBe(401);
    });

    it('ASVS 6.3.1: sign-in attempts are rate-limited per client', async () => {
      const limited = await buildApp({ vault: t.vault, authPerMinute: 3 });
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        codes.push(
          (
            await limited.inject({
              method: 'POST',
              url: '/api/v1/auth/login',
              payload: { email: 'x@example.org', password: 'wrong password 1' },
            })
          ).statusCode,
        );
      }
      expect(codes).toEqual([401, 401, 401, 429, 429]);
      await limited.close();
    });
  });
}
