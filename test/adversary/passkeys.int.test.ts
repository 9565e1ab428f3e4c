// Passkeys (WebAuthn) as a second factor, attacked from the client's seat with a software
// authenticator: a relay (phishing) origin, another RP ID, a replayed assertion, a cloned authenticator
// (counter not advancing), an assertion challenge used to register, and registration without
// re-authentication. ASVS 6.5.x (phishing-resistant authenticators), 7.5.1; 21 CFR 11.300.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_MFA_FAILURES } from '../../src/access/mfa-policy.js';
import { buildApp } from '../../src/server/app.js';
import { TEST_PASSWORD } from '../support/access.js';
import { TestClock } from '../support/clock.js';
import {
  type App,
  codeAt,
  cookiesOf,
  fullSignIn,
  passwordSignIn,
  userWithTotp,
} from '../support/http-auth.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { DIALECTS, freshVault, type TestVault } from '../support/stores.js';

const HOST = 'trialvault.example:8443';
const ORIGIN = 'http://trialvault.example:8443';

for (const dialect of DIALECTS) {
  describe(`adversary: passkeys (${dialect})`, () => {
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

    const post = (url: string, headers: Record<string, string>, payload: unknown) =>
      app.inject({ method: 'POST', url, headers: { ...headers, host: HOST }, payload: payload as object });

    /** A user with TOTP and a registered passkey (through the API, re-authenticated). */
    async function withPasskey() {
      const victim = await userWithTotp(t.vault, clock);
      const session = await fullSignIn(app, victim.email, victim.secret, clock);
      clock.advance(0.5);
      const options = await post('/api/v1/auth/passkeys/options', session.headers, {
        password: TEST_PASSWORD,
        code: await codeAt(victim.secret, clock),
      });
      expect(options.statusCode).toBe(200);
      expect(options.json().rp.id).toBe('trialvault.example');
      const key = new SoftAuthenticator('trialvault.example');
      const added = await post('/api/v1/auth/passkeys', session.headers, {
        name: 'soft key',
        response: key.create(options.json().challenge, ORIGIN),
      });
      expect(added.statusCode).toBe(201);
      return { victim, key, session };
    }

    async function passkeyStep(email: string) {
      const session = await passwordSignIn(app, email);
      expect(session.login.json()).toEqual({ state: 'mfa', factors: { totp: true, passkey: true } });
      const challenge = await post('/api/v1/auth/webauthn/challenge', session.headers, {});
      expect(challenge.statusCode).toBe(200);
      return { session, challenge: challenge.json().challenge as string };
    }

    it('ASVS 6.5.x: a registered passkey signs in as the second factor; its counter is stored', async () => {
      const { victim, key } = await withPasskey();
      const { session, challenge } = await passkeyStep(victim.email);
      const done = await post('/api/v1/auth/webauthn', session.headers, key.get(challenge, ORIGIN));
      expect(done.statusCode).toBe(200);
      expect(done.json()).toEqual({ state: 'active' });
      // The accepted assertion issues a new session token (ASVS 7.2.4); the pre-MFA one is nobody.
      const stale = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: session.headers });
      expect(stale.statusCode).toBe(401);
      const cookie = cookiesOf(done.headers['set-cookie']);
      const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
      expect(me.json().mfa).toBe(true);
      const row = await t.vault.deps.db
        .selectFrom('passkeys')
        .selectAll()
        .where('user_id', '=', victim.userId)
        .executeTakeFirstOrThrow();
      expect(Number(row.counter)).toBe(key.counter);
    });

    it('ASVS 6.5.x: a relay origin, another RP ID, a replayed assertion and a cloned authenticator are refused; three refusals end the session', async () => {
      const { victim, key } = await withPasskey();
      // A phishing relay: the browser reports the relay's origin.
      let step = await passkeyStep(victim.email);
      let answer = await post(
        '/api/v1/auth/webauthn',
        step.session.headers,
        key.get(step.challenge, 'https://trialvault-login.example'),
      );
      expect(answer.statusCode).toBe(401);
      // The challenge was used up by that attempt: the same challenge with the right origin fails too.
      answer = await post('/api/v1/auth/webauthn', step.session.headers, key.get(step.challenge, ORIGIN));
      expect(answer.statusCode).toBe(401);
      // Another RP ID in the authenticator data.
      const challenge = (await post('/api/v1/auth/webauthn/challenge', step.session.headers, {})).json()
        .challenge;
      answer = await post(
        '/api/v1/auth/webauthn',
        step.session.headers,
        key.get(challenge, ORIGIN, { rpId: 'evil.example' }),
      );
      expect(answer.statusCode).toBe(401);
      expect(answer.json().error.message).toMatch(/ended/);
      expect(SESSION_MFA_FAILURES).toBe(3);
      // A good assertion, then the same assertion replayed on a new session.
      step = await passkeyStep(victim.email);
      const good = key.get(step.challenge, ORIGIN);
      expect((await post('/api/v1/auth/webauthn', step.session.headers, good)).statusCode).toBe(200);
      step = await passkeyStep(victim.email);
      expect((await post('/api/v1/auth/webauthn', step.session.headers, good)).statusCode).toBe(401);
      // A clone of the authenticator: its counter is behind the one last seen.
      const challenge2 = (await post('/api/v1/auth/webauthn/challenge', step.session.headers, {})).json()
        .challenge;
      const cloned = key.get(challenge2, ORIGIN, { counter: key.counter - 1 });
      expect((await post('/api/v1/auth/webauthn', step.session.headers, cloned)).statusCode).toBe(401);
      // All counted (mfa-policy.ts): unlock for the next test.
      await t.vault.users.unlock({ kind: 'system', id: 'cli' }, victim.email);
    });

    it('ASVS 7.5.1: an assertion challenge never registers a key, and a stolen session cannot add one without re-authentication', async () => {
      const { victim, session, key } = await withPasskey();
      const attacker = new SoftAuthenticator('trialvault.example');
      // The session still holds no registration challenge (it was used): registering is refused.
      let answer = await post('/api/v1/auth/passkeys', session.headers, {
        response: attacker.create('AAAA', ORIGIN),
      });
      expect(answer.statusCode).toBe(401);
      // An assertion challenge (asked without re-authentication) is not a registration challenge.
      const challenge = (await post('/api/v1/auth/webauthn/challenge', session.headers, {})).json().challenge;
      answer = await post('/api/v1/auth/passkeys', session.headers, {
        response: attacker.create(challenge, ORIGIN),
      });
      expect(answer.statusCode).toBe(401);
      const keys = await t.vault.deps.db
        .selectFrom('passkeys')
        .select('id')
        .where('user_id', '=', victim.userId)
        .execute();
      expect(keys).toHaveLength(1);
      // Removing the passkey needs re-authentication as well; with a passkey assertion it works.
      const id = keys[0]?.id ?? '';
      answer = await post(`/api/v1/auth/passkeys/${id}/remove`, session.headers, { password: TEST_PASSWORD });
      expect(answer.statusCode).toBe(401);
      const list = await app.inject({
        method: 'GET',
        url: '/api/v1/auth/passkeys',
        headers: session.headers,
      });
      expect(list.json().passkeys).toHaveLength(1);
      // The owner: the password and a fresh assertion of the passkey itself. TOTP stays, so it may go.
      const proof = (await post('/api/v1/auth/webauthn/challenge', session.headers, {})).json().challenge;
      answer = await post(`/api/v1/auth/passkeys/${id}/remove`, session.headers, {
        password: TEST_PASSWORD,
        passkey: key.get(proof, ORIGIN),
      });
      expect(answer.statusCode).toBe(200);
      const removed = await t.vault.deps.db
        .selectFrom('audit_events')
        .select('action')
        .where('target', '=', victim.userId)
        .where('action', '=', 'auth.passkey.remove')
        .execute();
      expect(removed).toHaveLength(1);
    });
  });
}
