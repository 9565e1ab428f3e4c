// Issue #12 finding 4: one TOTP code completed several concurrent sign-ins (the time step was checked
// outside the transaction). ASVS 6.5.1 (a one-time code is accepted once).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { TestClock } from '../support/clock.js';
import { type App, codeAt, passwordSignIn, userWithTotp } from '../support/http-auth.js';
import { DIALECTS, freshVault, type TestVault } from '../support/stores.js';

for (const dialect of DIALECTS) {
  describe(`adversary: one TOTP code on concurrent sessions (${dialect})`, () => {
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

    it('ASVS 6.5.1: the same code sent at once on two (and on five) sessions is accepted at most once', async () => {
      const victim = await userWithTotp(t.vault, clock);
      for (const sessions of [2, 2, 2, 5]) {
        clock.advance(0.5);
        const signIns = await Promise.all(
          Array.from({ length: sessions }, () => passwordSignIn(app, victim.email)),
        );
        const code = await codeAt(victim.secret, clock);
        const answers = await Promise.all(
          signIns.map((s) =>
            app.inject({ method: 'POST', url: '/api/v1/auth/totp', headers: s.headers, payload: { code } }),
          ),
        );
        expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
        // The losers are told the code is invalid (it was used), not let in.
        expect(answers.filter((a) => a.statusCode === 401)).toHaveLength(sessions - 1);
        await t.vault.users.unlock({ kind: 'system', id: 'cli' }, victim.email);
      }
    });
  });
}
