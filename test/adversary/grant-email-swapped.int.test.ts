import { describe, expect, it } from 'vitest';
import { DbaStore } from '../support/dba.js';
import { rawDb } from '../support/dba-sql.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s13 (attack-seals 1, fixed): a grant is made for the user found by e-mail, and that user
 * row is read unchecked (`repo.findUserByEmail`, src/access/user-service.ts grant()). The grant row
 * itself is inserted from the application's values and sealed by `grant.create`, so it is a genuine,
 * sealed grant: to whichever user id the unchecked row named. A database administrator swaps two
 * e-mails while an administrator grants a role to "alice", then puts both user rows back exactly as
 * they were (seals included). The grant landed on the administrator's accomplice, and `verify` found
 * nothing. Fixed: the user row is checked (trustRow) and is the same row when the grant is written.
 */
for (const dialect of DIALECTS) {
  describe(`review s13: a grant is never decided on an unchecked user row (${dialect})`, () => {
    it('e-mails swapped in SQL: the grant is refused (ROW_TAMPERED) and mallory never gains system rights', async () =>
      DbaStore.with(dialect, async (s) => {
        const admin = await s.person('system_admin');
        const alice = await s.person('monitor');
        const mallory = await s.person('coordinator', 'S01');
        const adminBrowser = await s.browser(admin);
        // Before: mallory has no system rights.
        const before = await s.as(mallory, 'GET', '/api/v1/users');
        expect(before.status).not.toBe(200);

        const dba = await rawDb(s.place.location);
        try {
          const rows = await dba.all('select * from users where id in (?, ?)', alice.userId, mallory.userId);
          const aliceRow = rows.find((r) => r.id === alice.userId);
          const malloryRow = rows.find((r) => r.id === mallory.userId);
          if (aliceRow === undefined || malloryRow === undefined) throw new Error('rows');
          // Live, just before the administrator's request: the e-mails swapped.
          await dba.run('update users set email = ? where id = ?', 'parked@x.invalid', alice.userId);
          await dba.run('update users set email = ? where id = ?', alice.email, mallory.userId);
          const granted = await s.call(adminBrowser, 'POST', '/api/v1/grants', {
            email: alice.email,
            role: 'system_admin',
          });
          expect(granted.body?.error?.code, JSON.stringify(granted.body)).toBe('ROW_TAMPERED');
          // Put back exactly as read (MAC and row_seq included), mallory first (unique e-mail).
          await dba.restoreRows('users', [malloryRow, aliceRow]);
        } finally {
          await dba.close();
        }
        // No grant was made: mallory has no system rights, now or after a restart.
        expect((await s.as(mallory, 'GET', '/api/v1/users')).status).not.toBe(200);
        const grants = await s.vault.store.db
          .selectFrom('audit_events')
          .select(['target'])
          .where('action', '=', 'grant.create')
          .where('target', '=', mallory.userId)
          .execute();
        expect(grants.filter(() => true).length).toBeLessThanOrEqual(1);
        await s.stop();
        await s.start();
        expect((await s.as(mallory, 'GET', '/api/v1/users')).status).not.toBe(200);
      }));
  });
}
