import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/access/passwords.js';
import { DbaStore } from '../support/dba.js';
import { rawDb } from '../support/dba-sql.js';
import { DIALECTS } from '../support/stores.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Review s13 (H2, fixed): `unlock` (access/user-service.ts) checks the user row before its transaction, then
 * updates the counters and reseals the row from what is stored (`sealRows`, unchecked). A password
 * hash replaced in SQL while an administrator's unlock is in flight is sealed by the `user.unlock`
 * event: the database administrator's password then signs in as the victim, with no ROW_TAMPERED.
 * (account-admin.ts `enable` and every `seals:` after a read outside the transaction share it.)
 * Fixed: the row is read again inside the transaction, locked, and checked before it is changed and
 * sealed (`rowForChange`, authz/tamper-in-tx.ts).
 */
for (const dialect of DIALECTS) {
  describe(`issue #17 / review s13: a password hash forged in SQL during an unlock is never sealed (${dialect})`, () => {
    it("no interleaving lets the administrator's password sign in as the victim", async () =>
      DbaStore.with(dialect, async (s) => {
        const sysadmin = await s.person('system_admin');
        const browser = await s.browser(sysadmin);
        const evilPassword = 'the administrators own passphrase 7';
        const evilHash = await hashPassword(evilPassword);
        const won: number[] = [];
        let winner = '';
        // The administrator's own connection, open all along.
        const dba = await rawDb(s.place.location);
        for (let delay = 0; delay < 40 && won.length === 0; delay++) {
          const victim = await s.person('principal_investigator');
          const unlocking = s.call(browser, 'POST', '/api/v1/users/unlock', { email: victim.email });
          // SQLite answers in microseconds (setImmediate steps); PostgreSQL in milliseconds.
          if (dialect === 'sqlite') for (let i = 0; i < delay; i++) await tick();
          else await new Promise((resolve) => setTimeout(resolve, delay / 4));
          await dba.run('update users set password_hash = ? where id = ?', evilHash, victim.userId);
          if ((await unlocking).status !== 200) continue;
          const login = await s.app.inject({
            method: 'POST',
            url: '/api/v1/auth/login',
            payload: { email: victim.email, password: evilPassword },
          });
          if (login.statusCode === 200) {
            won.push(delay);
            winner = victim.userId;
          }
        }
        await dba.close();
        const found = (await s.findings()).some((f) => winner !== '' && JSON.stringify(f).includes(winner));
        // The unlock checks the row inside its transaction: the forged hash is refused, never sealed.
        expect({ won, found }).toEqual({ won: [], found: false });
      }));
  });
}
