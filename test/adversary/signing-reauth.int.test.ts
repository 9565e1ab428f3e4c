// Issue #12 finding 2, the signing path: re-authentication for an electronic signature tries a
// password and a TOTP code; with a stolen session it was an uncounted, unlimited oracle for both.
// ASVS 6.3.1; 21 CFR 11.200(a)(1), 11.300(d).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_MFA_FAILURES } from '../../src/access/mfa-policy.js';
import { buildApp } from '../../src/server/app.js';
import { TEST_PASSWORD } from '../support/access.js';
import { TestClock } from '../support/clock.js';
import { enrollWithDemographics, seedStudy } from '../support/fixtures.js';
import { type App, codeAt, fullSignIn, userWithTotp } from '../support/http-auth.js';
import { DIALECTS, freshVault, type TestVault } from '../support/stores.js';

for (const dialect of DIALECTS) {
  describe(`adversary: guessing through the signature re-authentication (${dialect})`, () => {
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

    it(`ASVS 6.3.1: ${SESSION_MFA_FAILURES} wrong passwords or codes when signing end the session; each is audited`, async () => {
      const study = await seedStudy(t.vault);
      const { record } = await enrollWithDemographics(t.vault, study.id);
      const pi = await userWithTotp(t.vault, clock, study.id, 'principal_investigator');
      const stolen = await fullSignIn(app, pi.email, pi.secret, clock);
      expect(stolen.totp.statusCode).toBe(200);
      const sign = (payload: object) =>
        app.inject({
          method: 'POST',
          url: `/api/v1/records/${record.id}/signatures`,
          headers: stolen.headers,
          payload,
        });
      const answers = [];
      for (let i = 0; i < 10; i++)
        answers.push(
          (await sign({ meaning: 'approved', password: `guess number ${i}`, totp: '123456' })).statusCode,
        );
      expect(answers).toEqual(Array(10).fill(401));
      const counted = await t.vault.deps.db
        .selectFrom('audit_events')
        .select('outcome')
        .where('target', '=', pi.userId)
        .where('action', '=', 'auth.reauth')
        .execute();
      expect(counted).toHaveLength(SESSION_MFA_FAILURES);
      // The session is over: even the right password and code sign nothing.
      clock.advance(0.5);
      const right = await sign({
        meaning: 'approved',
        password: TEST_PASSWORD,
        totp: await codeAt(pi.secret, clock),
      });
      expect(right.statusCode).toBe(401);
      const signatures = await t.vault.deps.db.selectFrom('signatures').selectAll().execute();
      expect(signatures).toHaveLength(0);
      // The owner, on a new session, signs with the password and a fresh code.
      clock.advance(0.5);
      const owner = await fullSignIn(app, pi.email, pi.secret, clock);
      clock.advance(0.5);
      const signed = await app.inject({
        method: 'POST',
        url: `/api/v1/records/${record.id}/signatures`,
        headers: owner.headers,
        payload: { meaning: 'approved', password: TEST_PASSWORD, totp: await codeAt(pi.secret, clock) },
      });
      expect(signed.statusCode).toBe(201);
    });
  });
}
