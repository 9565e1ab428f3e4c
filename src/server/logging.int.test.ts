import { Writable } from 'node:stream';
import { generate } from 'otplib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, userWithRole } from '../../test/support/access.js';
import { TestClock } from '../../test/support/clock.js';
import { enrollWithDemographics, PERSON, seedStudy } from '../../test/support/fixtures.js';
import { freshVault, type TestVault } from '../../test/support/stores.js';
import { expectOk } from '../core/result.js';
import { buildApp } from './app.js';

/** Canary values: if any of them shows up in a log line, a protected value leaked (ASVS 16.2.5). */
const CANARIES = {
  ...PERSON,
  FULL_NAME: 'Canary Quillfeather Zubrowka',
  EMAIL: 'canary.zubrowka@canary.example',
  MRN: 'MRN-4242-CN',
};

describe('logs hold no protected value or secret', () => {
  let t: TestVault;
  const lines: string[] = [];
  const clock = new TestClock();
  beforeAll(async () => {
    t = await freshVault('sqlite', { clock });
  });
  afterAll(async () => t.cleanup());

  it('HIPAA 164.312(b), ASVS 16.2.5: requests that carry and return PHI, passwords and tokens leave none of them in the log', async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = await buildApp({ vault: t.vault, logger: pino({ level: 'trace' }, sink) });
    const study = await seedStudy(t.vault);
    const { record } = await enrollWithDemographics(t.vault, study.id, 'S01', CANARIES);
    const { email } = await userWithRole(t.vault, 'coordinator', study.id, 'S01');
    const signIn = expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
    const { secret } = expectOk(await t.vault.factors.beginTotp(signIn.token, {}));
    expectOk(
      await t.vault.factors.confirmTotp(
        signIn.token,
        await generate({ secret, epoch: Math.floor(clock.time / 1000) }),
      ),
    );
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: TEST_PASSWORD },
    });
    const pre = (login.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]).join('; ');
    clock.advance(1);
    const totp = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp',
      headers: { cookie: pre, 'x-csrf-token': /tv_csrf=([^;]+)/.exec(pre)?.[1] ?? '' },
      payload: { code: await generate({ secret, epoch: Math.floor(clock.time / 1000) }) },
    });
    // The accepted second factor issues a new session token (ASVS 7.2.4).
    const cookie = (totp.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]).join('; ');
    const csrf = /tv_csrf=([^;]+)/.exec(cookie)?.[1] ?? '';
    await app.inject({ method: 'GET', url: `/api/v1/records/${record.id}?reveal=true`, headers: { cookie } });
    await app.inject({
      method: 'PUT',
      url: `/api/v1/records/${record.id}`,
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { changes: { EMAIL: 'not an email' }, reason: 'Correction' },
    });
    await app.inject({
      method: 'POST',
      url: `/api/v1/studies/${study.id}/participants/lookup`,
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { kind: 'mrn', value: CANARIES.MRN },
    });
    await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'a wrong canary password' },
    });
    await app.close();
    const log = lines.join('');
    expect(log).toContain('request completed');
    const sessionToken = /tv_session=([^;]+)/.exec(cookie)?.[1] ?? '';
    for (const secretValue of [
      ...Object.values(CANARIES).filter((v) => v.length > 3),
      TEST_PASSWORD,
      'a wrong canary password',
      sessionToken,
      csrf,
    ]) {
      expect(log.includes(secretValue), `leaked: ${secretValue.slice(0, 6)}…`).toBe(false);
    }
  });
});
