// Found by the outside penetration test (issue #12 follow-up): the session token issued after the
// password stayed the same when the second factor was accepted, so whoever held the pre-MFA token
// (a planted or logged cookie, a shared browser left at the code prompt) held the signed-in session
// too. ASVS 7.2.4: a new session token on authentication, the old one terminated (session fixation).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { userWithRole } from '../support/access.js';
import { TestClock } from '../support/clock.js';
import { type App, codeAt, cookiesOf, passwordSignIn, userWithTotp } from '../support/http-auth.js';
import { freshVault, type TestVault } from '../support/stores.js';

describe('adversary: session fixation across the second factor', () => {
  let t: TestVault;
  let app: App;
  const clock = new TestClock();
  beforeAll(async () => {
    t = await freshVault('sqlite', { clock });
    app = await buildApp({ vault: t.vault, authPerMinute: 1_000_000 });
  });
  afterAll(async () => {
    await app.close();
    await t.cleanup();
  });

  it('ASVS 7.2.4: accepting the TOTP code issues a new session token and the pre-MFA token is nobody', async () => {
    const victim = await userWithTotp(t.vault, clock);
    const pre = await passwordSignIn(app, victim.email);
    clock.advance(0.5);
    const totp = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp',
      headers: pre.headers,
      payload: { code: await codeAt(victim.secret, clock) },
    });
    expect(totp.statusCode).toBe(200);
    const post = cookiesOf(totp.headers['set-cookie']);
    const preToken = /__Host-tv_session=([^;]+)/.exec(pre.cookie)?.[1];
    const postToken = /__Host-tv_session=([^;]+)/.exec(post)?.[1];
    expect(postToken).toBeDefined();
    expect(postToken).not.toBe(preToken);
    // The attacker's copy of the pre-MFA cookie is refused...
    const fixed = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie: pre.cookie },
    });
    expect(fixed.statusCode).toBe(401);
    // ...and the victim's new cookie is the signed-in session.
    const mine = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: post } });
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({ mfa: true });
  });

  it('ASVS 7.2.4: a first TOTP enrolment at sign-in activates the session under a new token only', async () => {
    const { email } = await userWithRole(t.vault, 'system_admin', undefined);
    const pre = await passwordSignIn(app, email);
    expect(pre.login.json()).toMatchObject({ state: 'enroll' });
    const begin = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp/enroll',
      headers: pre.headers,
      payload: {},
    });
    expect(begin.statusCode).toBe(200);
    const confirm = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp/confirm',
      headers: pre.headers,
      payload: { code: await codeAt(begin.json().secret, clock) },
    });
    expect(confirm.statusCode).toBe(200);
    expect(Object.keys(confirm.json())).toEqual(['recoveryCodes']); // the token is a cookie, never in the body
    const post = cookiesOf(confirm.headers['set-cookie']);
    expect(/__Host-tv_session=([^;]+)/.exec(post)?.[1]).not.toBe(
      /__Host-tv_session=([^;]+)/.exec(pre.cookie)?.[1],
    );
    const fixed = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie: pre.cookie },
    });
    expect(fixed.statusCode).toBe(401);
    const mine = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: post } });
    expect(mine.statusCode).toBe(200);
  });
});
