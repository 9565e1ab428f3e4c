// Found by the outside penetration test: a session signed in with the password alone, while its user
// held only a role that needs no second factor (a statistician), kept working after the user was
// granted a role that does (a PI): it looked participants up by MRN (an identifier oracle), started
// break-glass, wrote records, all without ever passing a second factor. A stolen statistician password
// thus became a PI session at the promotion. HIPAA 164.312(d); ASVS 6.3.3 (MFA for the roles that
// need it); docs/access.md: such roles "must enroll before their first session becomes active".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { buildApp } from '../../src/server/app.js';
import { userWithRole } from '../support/access.js';
import { TestClock } from '../support/clock.js';
import { seedStudy } from '../support/fixtures.js';
import { type App, passwordSignIn } from '../support/http-auth.js';
import { freshVault, type TestVault } from '../support/stores.js';

describe('adversary: a role that needs a second factor, granted to a password-only session', () => {
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

  it('HIPAA 164.312(d), ASVS 6.3.3: the password-only session ends when its user gains a role that needs MFA', async () => {
    const study = await seedStudy(t.vault);
    const { email } = await userWithRole(t.vault, 'statistician', study.id);
    const session = await passwordSignIn(app, email);
    expect(session.login.json()).toEqual({ state: 'active' }); // a statistician needs no second factor
    const lookup = () =>
      app.inject({
        method: 'POST',
        url: `/api/v1/studies/${study.id}/participants/lookup`,
        headers: session.headers,
        payload: { kind: 'mrn', value: 'MRN-000001' },
      });
    expect((await lookup()).statusCode).toBe(403); // the statistician may not look up identifiers
    expectOk(
      await t.vault.users.grant(CLI_ACTOR, { email, role: 'principal_investigator', study: study.id }),
    );
    // The promotion must not hand the PI's rights to a session that never passed a second factor.
    const after = await lookup();
    expect(after.statusCode).toBe(401);
    const breakGlass = await app.inject({
      method: 'POST',
      url: '/api/v1/break-glass',
      headers: session.headers,
      payload: { study: study.id, justification: 'Patient collapsed in clinic, need identifiers now' },
    });
    expect(breakGlass.statusCode).toBe(401);
    // Signing in again asks for the second factor's enrolment first.
    const again = await passwordSignIn(app, email);
    expect(again.login.json()).toEqual({ state: 'enroll' });
  });
});
