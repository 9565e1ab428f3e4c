import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/access/passwords.js';
import { DbaStore } from '../support/dba.js';
import { rawDb } from '../support/dba-sql.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s13 (H1, fixed; no insider needed): a sign-in checks the user row (`trustRow`), then spends the
 * password hash's time (`verifyPassword`, tens of milliseconds), then on a wrong password updates the
 * counters and reseals the user row from what is stored (`sealRows`: read back, never checked). A
 * database administrator who sends a wrong password for the victim over HTTP and, meanwhile, writes
 * their own password hash into the victim's row has it sealed by the `auth.login` failure event:
 * the administrator then signs in as the victim. Verify finds nothing (the row is sealed).
 * Fixed: the row is read again inside the transaction, locked, and checked before it is changed and
 * sealed (`rowForChange`, authz/tamper-in-tx.ts).
 */
for (const dialect of DIALECTS) {
  describe(`issue #17 / review s13: a password hash forged during a failed sign-in is never sealed (${dialect})`, () => {
    it("the administrator's own password never signs in as the victim (the row is checked inside the failure's transaction)", async () =>
      DbaStore.with(dialect, async (s) => {
        const evilPassword = 'the administrators own passphrase 7';
        const evilHash = await hashPassword(evilPassword);
        const dba = await rawDb(s.place.location);
        const won: { ms: number; state: string; found: boolean }[] = [];
        try {
          for (const ms of [10, 20, 30, 45, 60, 80, 110, 150]) {
            const victim = await s.person('principal_investigator');
            const wrong = s.app.inject({
              method: 'POST',
              url: '/api/v1/auth/login',
              payload: { email: victim.email, password: 'a wrong guess of twelve+' },
            });
            // While the server hashes the wrong password (after its checked read of the row).
            await new Promise((resolve) => setTimeout(resolve, ms));
            // Their own password, and the second factor switched off.
            await dba.run(
              'update users set password_hash = ?, totp_enabled = 0, totp_secret_sealed = null where id = ?',
              evilHash,
              victim.userId,
            );
            await wrong;
            const login = await s.app.inject({
              method: 'POST',
              url: '/api/v1/auth/login',
              payload: { email: victim.email, password: evilPassword },
            });
            if (login.statusCode !== 200) continue;
            const found = (await s.findings()).some((f) => f.row.includes(victim.userId));
            won.push({ ms, state: String(login.json().state), found });
            break;
          }
        } finally {
          await dba.close();
        }
        // Never signed in with the forged hash: the failure's transaction refuses the row (ROW_TAMPERED).
        // and verify does not name the row.
        expect(won).toEqual([]);
      }));
  });
}
