// Issue #12 finding 3: a signed-in session (an unlocked browser, a stolen cookie) replaced the second
// factor without the password or a current code, and TOTP was off until the new one was confirmed.
// ASVS 6.4.x (factor lifecycle), 7.5.1 (re-authentication before changing authentication factors),
// 7.4.3 (other sessions end after a factor change); 21 CFR 11.300(b).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { TEST_PASSWORD } from '../support/access.js';
import { TestClock } from '../support/clock.js';
import { type App, codeAt, fullSignIn, passwordSignIn, userWithTotp } from '../support/http-auth.js';
import { DIALECTS, freshVault, type TestVault } from '../support/stores.js';

for (const dialect of DIALECTS) {
  describe(`adversary: second-factor replacement (${dialect})`, () => {
    let t: TestVault;
    let app: App;
    const clock = new TestClock();
    beforeAll(async () => {
      t = await freshVault(dialect, { clock });
      app = await buildApp({ vault: t.vault, authPerMinute: 1_000_000 });
    });
    afterAll(async () => {
      await app.close();
      await t.cleanup();
    });

    it('ASVS 7.5.1: a stolen session cannot start replacing TOTP without the password and a current code; the old factor keeps working', async () => {
      const victim = await userWithTotp(t.vault, clock);
      const stolen = await fullSignIn(app, victim.email, victim.secret, clock);
      expect(stolen.totp.statusCode).toBe(200);
      clock.advance(0.5);
      for (const body of [
        {},
        { password: TEST_PASSWORD },
        { code: await codeAt(victim.secret, clock) },
        { password: 'not the password at all', code: await codeAt(victim.secret, clock) },
        { password: TEST_PASSWORD, code: '000000' },
      ]) {
        const answer = await app.inject({
          method: 'POST',
          url: '/api/v1/auth/totp/enroll',
          headers: stolen.headers,
          payload: body,
        });
        expect(answer.statusCode, JSON.stringify(Object.keys(body))).toBe(401);
        expect(answer.body).not.toMatch(/otpauth/);
      }
      // Nothing changed: the owner signs in with the old authenticator on a new session.
      const user = await t.vault.deps.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', victim.userId)
        .executeTakeFirstOrThrow();
      expect(Number(user.totp_enabled)).toBe(1);
      expect(user.totp_pending_sealed).toBeNull();
      clock.advance(0.5);
      const owner = await fullSignIn(app, victim.email, victim.secret, clock);
      expect(owner.totp.statusCode).toBe(200);
    });

    it('ASVS 6.4.x: replacing TOTP keeps the old one until a code of the new one (at a fresh step) confirms it; audited, alerted, other sessions end', async () => {
      const victim = await userWithTotp(t.vault, clock);
      const other = await fullSignIn(app, victim.email, victim.secret, clock);
      clock.advance(0.5);
      const session = await fullSignIn(app, victim.email, victim.secret, clock);
      expect(session.totp.statusCode).toBe(200);
      clock.advance(0.5);
      const begin = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/totp/enroll',
        headers: session.headers,
        payload: { password: TEST_PASSWORD, code: await codeAt(victim.secret, clock) },
      });
      expect(begin.statusCode).toBe(200);
      const fresh: string = begin.json().secret;
      // Until confirmed, the old authenticator still signs in (on a new session, at a later step).
      clock.advance(0.5);
      const meanwhile = await fullSignIn(app, victim.email, victim.secret, clock);
      expect(meanwhile.totp.statusCode).toBe(200);
      // A code of the new secret at a step already used (the sign-in just now) is refused.
      const reused = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/totp/confirm',
        headers: session.headers,
        payload: { code: await codeAt(fresh, clock) },
      });
      expect(reused.statusCode).toBe(401);
      clock.advance(0.5);
      const confirm = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/totp/confirm',
        headers: session.headers,
        payload: { code: await codeAt(fresh, clock) },
      });
      expect(confirm.statusCode).toBe(200);
      expect(confirm.json().recoveryCodes).toHaveLength(10);
      // The other sessions ended (ASVS 7.4.3); the change is audited and raises an alert.
      expect(
        (await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: other.headers })).statusCode,
      ).toBe(401);
      const events = await t.vault.deps.db
        .selectFrom('audit_events')
        .select('action')
        .where('target', '=', victim.userId)
        .where('action', 'in', ['auth.mfa.change', 'auth.mfa.enroll.start'])
        .execute();
      // The first enrolment, then this replacement.
      expect(events.filter((e) => e.action === 'auth.mfa.change')).toHaveLength(1);
      expect(events.filter((e) => e.action === 'auth.mfa.enroll.start')).toHaveLength(2);
      const alerts = await t.vault.deps.db
        .selectFrom('alerts')
        .select('kind')
        .where('user_id', '=', victim.userId)
        .execute();
      expect(alerts.map((a) => a.kind)).toContain('account.mfa_changed');
      // Now the old authenticator no longer works, the new one does.
      clock.advance(0.5);
      const old = await fullSignIn(app, victim.email, victim.secret, clock);
      expect(old.totp.statusCode).toBe(401);
      clock.advance(0.5);
      const renewed = await fullSignIn(app, victim.email, fresh, clock);
      expect(renewed.totp.statusCode).toBe(200);
    });

    it('ASVS 7.5.1: adding a passkey or removing the authenticator app needs the password and a current factor too', async () => {
      const victim = await userWithTotp(t.vault, clock);
      const stolen = await fullSignIn(app, victim.email, victim.secret, clock);
      for (const url of ['/api/v1/auth/passkeys/options', '/api/v1/auth/totp/remove']) {
        for (const body of [{}, { password: TEST_PASSWORD }, { password: TEST_PASSWORD, code: '123456' }]) {
          const answer = await app.inject({ method: 'POST', url, headers: stolen.headers, payload: body });
          expect([401, 403], url).toContain(answer.statusCode);
          expect(answer.body).not.toMatch(/challenge/);
        }
      }
      // A wrong code is counted like a sign-in attempt (mfa-policy.ts).
      const counted = await t.vault.deps.db
        .selectFrom('audit_events')
        .select('outcome')
        .where('target', '=', victim.userId)
        .where('action', '=', 'auth.reauth')
        .execute();
      expect(counted.map((e) => e.outcome)).toEqual(['failure']);
      expect(
        await t.vault.passkeys.list(/__Host-tv_session=([^;]+)/.exec(stolen.cookie)?.[1] ?? ''),
      ).toMatchObject({
        ok: true,
        value: { passkeys: [] },
      });
      const user = await t.vault.deps.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', victim.userId)
        .executeTakeFirstOrThrow();
      expect(Number(user.totp_enabled)).toBe(1);
      clock.advance(0.5);
      expect((await fullSignIn(app, victim.email, victim.secret, clock)).totp.statusCode).toBe(200);
      await t.vault.users.unlock({ kind: 'system', id: 'cli' }, victim.email);
    });

    it('first enrolment at sign-in (no factor yet) still needs only the signed-in session', async () => {
      const { email } = await (await import('../support/access.js')).userWithRole(
        t.vault,
        'system_admin',
        undefined,
      );
      const session = await passwordSignIn(app, email);
      expect(session.login.json()).toEqual({ state: 'enroll' });
      const begin = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/totp/enroll',
        headers: session.headers,
        payload: {},
      });
      expect(begin.statusCode).toBe(200);
      const confirm = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/totp/confirm',
        headers: session.headers,
        payload: { code: await codeAt(begin.json().secret, clock) },
      });
      expect(confirm.statusCode).toBe(200);
    });
  });
}
