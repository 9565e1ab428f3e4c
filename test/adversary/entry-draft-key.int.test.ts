// Issue #15 item 7: unsaved entry is kept in the browser, encrypted under a key the server gives the
// signed-in session (GET /api/v1/auth/session). From the attacker's seat: the key is never handed to
// an API token or an anonymous caller, another user's key opens nothing of this user's drafts, and a
// second sign-in of the same person (after a timeout) opens what the first one kept.
import { webcrypto } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../support/access.js';
import { type Arena, arena } from '../support/adversary.js';
import { cookiesOf } from '../support/http-auth.js';
import { DIALECTS } from '../support/stores.js';

const subtle = webcrypto.subtle;
const keyOf = (b64url: string) =>
  subtle.importKey('raw', Buffer.from(b64url, 'base64url'), 'AES-GCM', false, ['encrypt', 'decrypt']);

describe.each(DIALECTS)('adversary: the entry-draft key (%s)', (dialect) => {
  let a: Arena;
  beforeAll(async () => {
    a = await arena(dialect);
  });
  afterAll(async () => a?.close());

  it('HIPAA 164.312(a)(2)(iv): a draft sealed for one user opens for that user after a new sign-in, never for another', async () => {
    const coordinator = await a.signIn('coordinator', 'S01');
    const first = await coordinator.call('GET', '/api/v1/auth/session');
    expect(first.status).toBe(200);
    expect(first.body.idleMinutes).toBeGreaterThan(0);
    expect(Date.parse(first.body.expiresAt)).toBeGreaterThan(a.clock.time);
    const iv = webcrypto.getRandomValues(new Uint8Array(12));
    const sealed = await subtle.encrypt(
      { name: 'AES-GCM', iv },
      await keyOf(first.body.draftKey),
      new TextEncoder().encode('{"SYSBP":"120"}'),
    );
    const other = await a.signIn('coordinator', 'S01');
    const theirs = await other.call('GET', '/api/v1/auth/session');
    expect(theirs.body.draftKey).not.toBe(first.body.draftKey);
    await expect(
      subtle.decrypt({ name: 'AES-GCM', iv }, await keyOf(theirs.body.draftKey), sealed),
    ).rejects.toThrow();
    // The same person signing in again (a new session after a timeout) gets the same key back.
    const again = await coordinator.call('POST', '/api/v1/auth/logout', {});
    expect(again.status).toBe(200);
    const login = await a.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: coordinator.email, password: TEST_PASSWORD },
    });
    const pre = cookiesOf(login.headers['set-cookie']);
    const totp = await a.app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp',
      headers: { cookie: pre, 'x-csrf-token': /tv_csrf=([^;]+)/.exec(pre)?.[1] ?? '' },
      payload: { code: await coordinator.nextCode() },
    });
    expect(totp.statusCode).toBe(200);
    const restored = await a.app.inject({
      method: 'GET',
      url: '/api/v1/auth/session',
      headers: { cookie: cookiesOf(totp.headers['set-cookie']) },
    });
    expect(restored.statusCode).toBe(200);
    const plain = await subtle.decrypt(
      { name: 'AES-GCM', iv },
      await keyOf(restored.json().draftKey),
      sealed,
    );
    expect(new TextDecoder().decode(plain)).toBe('{"SYSBP":"120"}');
  });

  it('ASVS 7.2.1: no session, an ended session or an API token gets no key', async () => {
    const anonymous = await a.app.inject({ method: 'GET', url: '/api/v1/auth/session' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).not.toContain('draftKey');
    const pi = await a.signIn('principal_investigator');
    const minted = await pi.call('POST', '/api/v1/tokens', { study: a.study.id, scopes: ['study.read'] });
    expect(minted.status).toBe(201);
    const byToken = await a.bearer(minted.body.token, 'GET', '/api/v1/auth/session');
    expect(byToken.status).toBe(401);
    expect(JSON.stringify(byToken.body)).not.toContain('draftKey');
    await pi.call('POST', '/api/v1/auth/logout', {});
    expect((await pi.call('GET', '/api/v1/auth/session')).status).toBe(401);
  });
});
