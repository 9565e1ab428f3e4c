import { generate } from 'otplib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TEST_PASSWORD, userWithRole } from '../../test/support/access.js';
import { TestClock } from '../../test/support/clock.js';
import { seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { USERS } from '../authz/access-bindings.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { resealRow } from '../ledger/row-seal-store.js';

// Every argon2id verification counted (the real one still runs): the ASVS 6.3.8 test asserts the
// work a login does, not how long it took (no timed assertions in tests).
const argon2 = vi.hoisted(() => ({ verifications: 0 }));
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof import('@node-rs/argon2')>();
  return {
    ...real,
    verify: (...args: Parameters<typeof real.verify>) => {
      argon2.verifications++;
      return real.verify(...args);
    },
  };
});

for (const dialect of DIALECTS) {
  describe(`authentication and sessions (${dialect})`, () => {
    let t: TestVault;
    let clock: TestClock;
    beforeEach(async () => {
      clock = new TestClock();
      t = await freshVault(dialect, { clock });
    });
    afterEach(async () => t.cleanup());

    const codeAt = (secret: string) => generate({ secret, epoch: Math.floor(clock.time / 1000) });

    async function enrolled(role: 'coordinator' | 'statistician' = 'coordinator') {
      const study = await seedStudy(t.vault);
      const { email, user } = await userWithRole(t.vault, role, study.id, 'S01');
      const signIn = expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      if (signIn.state !== 'enroll') return { email, user, study, token: signIn.token, secret: '' };
      const { secret } = expectOk(await t.vault.factors.beginTotp(signIn.token, {}));
      const { recoveryCodes, token } = expectOk(
        await t.vault.factors.confirmTotp(signIn.token, await codeAt(secret)),
      );
      // First enrolment activated the session under a new token (ASVS 7.2.4).
      return { email, user, study, token: token ?? '', secret, recoveryCodes };
    }

    it('ASVS 6.2: refuses short, common and personal passwords, with no composition rules', async () => {
      for (const password of ['short pass', 'password1234', 'QWERTYUIOPAS', 'zelda.marlowe rocks']) {
        const result = await t.vault.users.addUser(CLI_ACTOR, {
          email: 'zelda.marlowe@example.org',
          name: 'Zelda',
          password,
        });
        expect(result.ok ? null : result.error.code, password).toBe('VALIDATION_FAILED');
      }
      expectOk(
        await t.vault.users.addUser(CLI_ACTOR, {
          email: 'zelda.marlowe@example.org',
          name: 'Zelda',
          password: 'lower case words only here',
        }),
      );
      const again = await t.vault.users.addUser(CLI_ACTOR, {
        email: 'Zelda.Marlowe@example.org ',
        name: 'Other',
        password: 'lower case words only here',
      });
      expect(again.ok ? null : again.error.code).toBe('ALREADY_EXISTS');
      const row = await t.vault.store.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it('21 CFR 11.300(d): five wrong passwords lock the account and raise an alert; messages stay generic', async () => {
      const { email, user } = await enrolled('statistician');
      for (let i = 0; i < 5; i++) {
        const r = await t.vault.auth.login(email, 'wrong password here');
        expect(r.ok ? null : r.error).toEqual({ code: 'UNAUTHENTICATED', message: 'Invalid credentials.' });
      }
      const locked = await t.vault.auth.login(email, TEST_PASSWORD);
      expect(locked.ok ? null : locked.error).toEqual({
        code: 'UNAUTHENTICATED',
        message: 'Invalid credentials.',
      });
      const alerts = await t.vault.store.db
        .selectFrom('alerts')
        .selectAll()
        .where('user_id', '=', user.id)
        .execute();
      expect(alerts.map((a) => a.kind)).toEqual(['account.locked']);
      clock.advance(2);
      expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      const unknown = await t.vault.auth.login('nobody@example.org', TEST_PASSWORD);
      expect(unknown.ok ? null : unknown.error).toEqual({
        code: 'UNAUTHENTICATED',
        message: 'Invalid credentials.',
      });
      const events = await t.vault.store.db
        .selectFrom('audit_events')
        .select('action')
        .where('action', 'in', ['auth.login', 'auth.lockout'])
        .execute();
      expect(events.filter((e) => e.action === 'auth.lockout')).toHaveLength(1);
    });

    it('ASVS 6.3.8: a login with an unknown e-mail does the same argon2id work as one with a wrong password', async () => {
      const { email } = await enrolled('statistician');
      const verificationsOf = async (e: string) => {
        const before = argon2.verifications;
        const result = await t.vault.auth.login(e, 'definitely wrong pw');
        expect(result.ok ? null : result.error.code).toBe('UNAUTHENTICATED');
        return argon2.verifications - before;
      };
      // One full verification each (against the dummy hash for the unknown e-mail): neither is a
      // fast path that would tell an attacker which accounts exist by the time the answer takes.
      expect(await verificationsOf('nobody@example.org')).toBe(1);
      expect(await verificationsOf(email)).toBe(1);
    });

    it('HIPAA 164.312(d): a role that reveals PHI must enroll TOTP; codes are single-use; recovery codes once', async () => {
      const { email, secret, recoveryCodes } = await enrolled('coordinator');
      expect(recoveryCodes).toHaveLength(10);
      clock.advance(1);
      const signIn = expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      expect(signIn.state).toBe('mfa');
      const pending = await t.vault.auth.authenticate(signIn.token);
      expect(pending.ok ? null : pending.error.code).toBe('UNAUTHENTICATED');
      // A code for the current step is accepted once; the same code is refused the second time.
      const code = await codeAt(secret);
      const accepted = expectOk(await t.vault.auth.verifyMfa(signIn.token, code));
      const again = expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      const replay = await t.vault.auth.verifyMfa(again.token, code);
      expect(replay.ok ? null : replay.error.code).toBe('UNAUTHENTICATED');
      const recovery = recoveryCodes?.[0] ?? '';
      expect((await t.vault.auth.verifyMfa(again.token, recovery)).ok).toBe(true);
      const third = expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      const reused = await t.vault.auth.verifyMfa(third.token, recovery);
      expect(reused.ok ? null : reused.error.code).toBe('UNAUTHENTICATED');
      // The accepted code issued a new token (ASVS 7.2.4): the password-step token is nobody.
      const actor = expectOk(await t.vault.auth.authenticate(accepted.token));
      expect(actor).toMatchObject({ kind: 'user', mfa: true });
      const stale = await t.vault.auth.authenticate(signIn.token);
      expect(stale.ok ? null : stale.error.code).toBe('UNAUTHENTICATED');
    });

    it('HIPAA 164.312(a)(2)(iii): idle and absolute timeouts end sessions; logout and disable end all at once', async () => {
      const { email, token } = await enrolled('statistician');
      expectOk(await t.vault.auth.authenticate(token));
      clock.advance(16);
      const idle = await t.vault.auth.authenticate(token);
      expect(idle.ok ? null : idle.error.code).toBe('UNAUTHENTICATED');

      const a = expectOk(await t.vault.auth.login(email, TEST_PASSWORD)).token;
      for (let i = 0; i < 60; i++) {
        clock.advance(14);
        if (!(await t.vault.auth.authenticate(a)).ok) break;
      }
      expect(clock.time - Date.parse('2026-11-28T09:16:00.000Z')).toBeLessThanOrEqual(
        12 * 60 * 60_000 + 14 * 60_000,
      );
      expect((await t.vault.auth.authenticate(a)).ok).toBe(false);

      const b = expectOk(await t.vault.auth.login(email, TEST_PASSWORD)).token;
      const c = expectOk(await t.vault.auth.login(email, TEST_PASSWORD)).token;
      expectOk(await t.vault.auth.logout(b));
      expect((await t.vault.auth.authenticate(c)).ok).toBe(false);

      const d = expectOk(await t.vault.auth.login(email, TEST_PASSWORD)).token;
      expectOk(await t.vault.users.disable(CLI_ACTOR, email));
      expect((await t.vault.auth.authenticate(d)).ok).toBe(false);
      const relogin = await t.vault.auth.login(email, TEST_PASSWORD);
      expect(relogin.ok ? null : relogin.error.message).toBe('Invalid credentials.');
    });

    it('ASVS 6.2.x: a hash with older parameters is replaced at the next sign-in', async () => {
      const { email, user } = await enrolled('statistician');
      const { hash } = await import('@node-rs/argon2');
      const old = await hash(TEST_PASSWORD, { memoryCost: 8192, timeCost: 1, parallelism: 1 });
      await t.vault.store.db
        .updateTable('users')
        .set({ password_hash: old })
        .where('id', '=', user.id)
        .execute();
      // The hash an older release wrote, sealed as that release's row would be (issue #17).
      await resealRow(t.vault.store.db, t.vault.keyring, USERS, [user.id]);
      expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      const row = await t.vault.store.db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it('ASVS 7.4.3: a password change ends every session', async () => {
      const { email, token } = await enrolled('statistician');
      const other = expectOk(await t.vault.auth.login(email, TEST_PASSWORD)).token;
      expectOk(await t.vault.auth.changePassword(token, TEST_PASSWORD, 'a brand new long passphrase'));
      expect((await t.vault.auth.authenticate(other)).ok).toBe(false);
      expect((await t.vault.auth.login(email, 'a brand new long passphrase')).ok).toBe(true);
    });

    it('ASVS 7.2: API tokens are scoped, and expired or revoked tokens fail', async () => {
      const { email, study } = await enrolled('statistician');
      const { id, token } = expectOk(
        await t.vault.tokens.create(CLI_ACTOR, {
          email,
          study: study.id,
          scopes: ['study.read'],
          expiresDays: 1,
        }),
      );
      const actor = expectOk(await t.vault.tokens.authenticate(token));
      expectOk(await t.vault.studies.getStudy(actor, study.id));
      const outOfScope = await t.vault.participants.list(actor, study.id);
      expect(outOfScope.ok ? null : outOfScope.error.code).toBe('FORBIDDEN');
      const stored = await t.vault.store.db.selectFrom('api_tokens').selectAll().executeTakeFirstOrThrow();
      expect(stored.token_hash.toString('latin1')).not.toContain(token);
      clock.advance(25 * 60);
      expect((await t.vault.tokens.authenticate(token)).ok).toBe(false);
      const second = expectOk(
        await t.vault.tokens.create(CLI_ACTOR, { email, study: study.id, scopes: ['study.read'] }),
      );
      expectOk(await t.vault.tokens.revoke(CLI_ACTOR, second.id));
      expect((await t.vault.tokens.authenticate(second.token)).ok).toBe(false);
      expect(id).not.toBe(second.id);
    });
  });
}
