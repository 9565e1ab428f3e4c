import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/access/passwords.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DbaStore } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Accounts from the database administrator's seat (issue #17): the users row is read at every
 * sign-in. A password hash the attacker knows with TOTP switched off, a disabled account set active
 * again, an e-mail address changed: none of them signs anyone in on the server started again on the
 * store; each is refused with the typed error, audited and alerted (ASVS 6.2.x, 6.3.1: credentials
 * verified against trusted data; 21 CFR 11.300(a), (d); HIPAA 164.312(d)).
 */
for (const dialect of DIALECTS) {
  describe(`DBA: accounts changed in SQL sign nobody in (${dialect})`, () => {
    it('ASVS 6.2.1 / HIPAA 164.312(d) / 21 CFR 11.300(d): a password hash the attacker knows, TOTP off in SQL: no sign-in', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const known = 'the attacker knows this passphrase 77';
        const hash = await hashPassword(known);
        await s.tamper(async (db) => {
          const changed = await db.run(
            'update users set password_hash = ?, totp_enabled = 0, totp_secret_sealed = null where id = ?',
            hash,
            pi.userId,
          );
          expect(changed).toBe(1);
        });
        const { browser, refusal } = await s.signIn(pi, { password: known });
        expect(browser).toBeUndefined();
        await s.expectRefused(refusal ?? { status: 200, body: null }, 'users');
        await s.expectFound('users');
      }));

    it('ASVS 6.3.x / 21 CFR 11.300(b): a disabled account set active again in SQL does not sign in', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        expectOk(await s.vault.users.disable(CLI_ACTOR, pi.email));
        await s.tamper(async (db) => {
          expect(await db.run(`update users set status = 'active' where id = ?`, pi.userId)).toBe(1);
        });
        const { browser, refusal } = await s.signIn(pi);
        expect(browser).toBeUndefined();
        await s.expectRefused(refusal ?? { status: 200, body: null }, 'users');
        await s.expectFound('users');
      }));

    it('21 CFR 11.100(a) / 11.300(a): an e-mail address changed in SQL does not sign in under the new address', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const taken = 'mallory@attacker.example';
        await s.tamper(async (db) => {
          expect(await db.run('update users set email = ? where id = ?', taken, pi.userId)).toBe(1);
        });
        const { browser, refusal } = await s.signIn({ email: taken, secret: pi.secret });
        expect(browser).toBeUndefined();
        await s.expectRefused(refusal ?? { status: 200, body: null }, 'users');
        await s.expectFound('users');
      }));
  });
}
