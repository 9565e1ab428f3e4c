// Issue #12 finding 2: TOTP brute force through unlimited path spellings and uncounted failures.
// ASVS 6.3.1 (brute force), 6.5.x (one-time codes); 21 CFR 11.300(d) (detect unauthorized use attempts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_MFA_FAILURES, SESSION_MFA_FAILURES } from '../../src/access/mfa-policy.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { RATE_LIMITS } from '../../src/http/rate-limit.js';
import { buildApp } from '../../src/server/app.js';
import { TestClock } from '../support/clock.js';
import { type App, codeAt, fullSignIn, passwordSignIn, userWithTotp } from '../support/http-auth.js';
import { DIALECTS, freshVault, type TestVault } from '../support/stores.js';

/** Every spelling the reviewer tried, and more: some are routed to the operation, some are not. */
const SPELLINGS = [
  '/api/v1/auth/totp',
  '/api/v1/%61uth/totp',
  '/api/v1/auth/%74otp',
  '/api/v1/%61%75%74%68/%74%6f%74%70',
  '/api/v1//auth/totp',
  '//api/v1/auth/totp',
  '/api/v1/auth//totp',
  '/api/v1/auth/totp/',
  '/api/v1/auth/totp?x=1',
  '/api/v1/auth/./totp',
  '/api/v1/x/../auth/totp',
  '/API/v1/auth/totp',
  '/api/v1/AUTH/totp',
  '/api/v1/auth/TOTP',
  '/api/v1/auth/totp%2F',
  '/api/v1/auth/totp;x',
];

for (const dialect of DIALECTS) {
  describe(`adversary: TOTP brute force (${dialect})`, () => {
    let t: TestVault;
    const clock = new TestClock();
    beforeAll(async () => {
      t = await freshVault(dialect, { clock });
    });
    afterAll(async () => {
      await t.cleanup();
    });

    async function failures(userId: string) {
      const rows = await t.vault.deps.db
        .selectFrom('audit_events')
        .select(['action', 'outcome'])
        .where('target', '=', userId)
        .where('action', '=', 'auth.mfa')
        .where('outcome', '=', 'failure')
        .execute();
      return rows.length;
    }

    it(`ASVS 6.3.1, 21 CFR 11.300(d): 10,000 wrong codes through any spelling; at most ${ACCOUNT_MFA_FAILURES} are ever evaluated, then the account is locked until an administrator unlocks it`, async () => {
      // A rate limit high enough to take no part: the lockout alone must stop the attack.
      const app: App = await buildApp({ vault: t.vault, authPerMinute: 1_000_000 });
      const victim = await userWithTotp(t.vault, clock);
      // The codes of the steps around now (one step of drift either way) are never sent.
      const validCodes = new Set(await Promise.all([-1, 0, 1].map((o) => codeAt(victim.secret, clock, o))));
      let session = await passwordSignIn(app, victim.email);
      expect(session.login.json()).toMatchObject({ state: 'mfa' });
      const statuses = new Map<string, Set<number>>();
      let logins = 1;
      let locked = false;
      let attempts = 0;
      for (let i = 0; attempts < 10_000; i++) {
        const spelling = SPELLINGS[i % SPELLINGS.length] as string;
        let code = String((i * 7919) % 1_000_000).padStart(6, '0');
        if (validCodes.has(code)) code = code === '000000' ? '000001' : '000000';
        const answer = await app.inject({
          method: 'POST',
          url: spelling,
          headers: session.headers,
          payload: { code },
        });
        attempts++;
        const seen = statuses.get(spelling) ?? new Set<number>();
        statuses.set(spelling, seen.add(answer.statusCode));
        expect(answer.statusCode, spelling).not.toBe(200);
        const error = answer.statusCode === 404 ? undefined : answer.json().error;
        if (error?.code === 'ACCOUNT_LOCKED') locked = true;
        // The session ended (too many wrong codes on it): the attacker signs in again with the password.
        if (!locked && error?.code === 'UNAUTHENTICATED' && /ended/.test(error.message)) {
          session = await passwordSignIn(app, victim.email);
          logins++;
          if (session.login.statusCode === 423) locked = true;
        }
      }
      expect(locked).toBe(true);
      // Never more than the documented number of wrong codes was evaluated, whatever the spelling.
      expect(await failures(victim.userId)).toBe(ACCOUNT_MFA_FAILURES);
      // A new password sign-in for every SESSION_MFA_FAILURES wrong codes, until the account locks.
      expect(logins).toBe(Math.ceil(ACCOUNT_MFA_FAILURES / SESSION_MFA_FAILURES));
      // Every routed spelling reached the same operation (the decoded path): counted, then refused.
      const routed = [...statuses.entries()].filter(([, s]) => !s.has(404) || s.size > 1).map(([p]) => p);
      expect(routed).toContain('/api/v1/%61uth/totp');
      expect(routed).toContain('/api/v1/auth/totp?x=1');
      // From attempt N+1 on, the right password answers the lock, and the right code gets nowhere.
      const again = await passwordSignIn(app, victim.email);
      expect(again.login.statusCode).toBe(423);
      expect(again.login.json().error.message).toMatch(/administrator must unlock/);
      for (const spelling of SPELLINGS) {
        const right = await app.inject({
          method: 'POST',
          url: spelling,
          headers: session.headers,
          payload: { code: await codeAt(victim.secret, clock) },
        });
        expect([401, 404, 423], spelling).toContain(right.statusCode);
      }
      expect(await failures(victim.userId)).toBe(ACCOUNT_MFA_FAILURES);
      const alerts = await t.vault.deps.db
        .selectFrom('alerts')
        .selectAll()
        .where('user_id', '=', victim.userId)
        .where('kind', '=', 'account.mfa_locked')
        .execute();
      expect(alerts).toHaveLength(1);

      // Only an administrator unlocks (audited); then the owner signs in with password and code.
      const stranger = await userWithTotp(t.vault, clock);
      const strangerSession = await fullSignIn(app, stranger.email, stranger.secret, clock);
      expect(strangerSession.totp.statusCode).toBe(200);
      const coordinator = await t.vault.users.addUser(CLI_ACTOR, {
        email: `c.${Date.now()}@example.org`,
        name: 'No admin',
        password: 'a long test passphrase 42',
      });
      expect(coordinator.ok).toBe(true);
      const unlock = await app.inject({
        method: 'POST',
        url: '/api/v1/users/unlock',
        headers: strangerSession.headers,
        payload: { email: victim.email },
      });
      expect(unlock.statusCode).toBe(200);
      const unlockEvents = await t.vault.deps.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'user.unlock')
        .where('target', '=', victim.userId)
        .execute();
      expect(unlockEvents).toHaveLength(1);
      clock.advance(0.5);
      const back = await fullSignIn(app, victim.email, victim.secret, clock);
      expect(back.totp.statusCode).toBe(200);
      await app.close();
    }, 120_000);

    it(`ASVS 6.3.1: ${SESSION_MFA_FAILURES} wrong codes end the session, even sent all at once`, async () => {
      const app: App = await buildApp({ vault: t.vault, authPerMinute: 1_000_000 });
      const victim = await userWithTotp(t.vault, clock);
      const session = await passwordSignIn(app, victim.email);
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          app.inject({
            method: 'POST',
            url: SPELLINGS[i % 4] as string,
            headers: session.headers,
            payload: { code: String(100000 + i) },
          }),
        ),
      );
      // Named on failure: which answers were not 401, and why (a flake seen once under load).
      const others = answers.filter((a) => a.statusCode !== 401).map((a) => `${a.statusCode} ${a.body}`);
      expect(others).toEqual([]);
      expect(await failures(victim.userId)).toBe(SESSION_MFA_FAILURES);
      // The session is over: even the right code no longer completes it.
      const right = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/totp',
        headers: session.headers,
        payload: { code: await codeAt(victim.secret, clock) },
      });
      expect(right.statusCode).toBe(401);
      expectOk(await t.vault.users.unlock(CLI_ACTOR, victim.email));
      await app.close();
    });

    it('ASVS 6.3.1: the sign-in rate limit is the operation’s, on every routed spelling; /auth/me does not spend it; ledger verify is limited', async () => {
      const app: App = await buildApp({ vault: t.vault, authPerMinute: 5, verifyPerMinute: 2 });
      // Reading who is signed in, fifty times, costs nothing of the sign-in budget.
      for (let i = 0; i < 50; i++) {
        const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me' });
        expect(me.statusCode).toBe(401);
      }
      const wrong = { email: 'nobody@example.org', password: 'wrong password 1' };
      for (let i = 0; i < 5; i++) {
        const answer = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: wrong });
        expect(answer.statusCode).toBe(401);
      }
      // The budget is spent: every spelling that reaches a sign-in operation now answers 429.
      for (const spelling of [
        ...SPELLINGS,
        '/api/v1/%61uth/login',
        '/api/v1/auth/login?',
        '/api/v1/auth/webauthn',
      ]) {
        const answer = await app.inject({
          method: 'POST',
          url: spelling,
          payload: { code: '123456', ...wrong },
        });
        expect([404, 429], spelling).toContain(answer.statusCode);
      }
      expect(
        (await app.inject({ method: 'POST', url: '/api/v1/%61uth/totp', payload: { code: '123456' } }))
          .statusCode,
      ).toBe(429);
      expect((await app.inject({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
      // The whole-store verification is expensive: its own, small budget.
      const verify = [];
      for (let i = 0; i < 3; i++)
        verify.push(
          (await app.inject({ method: 'POST', url: '/api/v1/ledger/%76erify', payload: {} })).statusCode,
        );
      expect(verify).toEqual([401, 401, 429]);
      expect(RATE_LIMITS['sign-in']).toBeGreaterThan(0);
      await app.close();
    });
  });
}
