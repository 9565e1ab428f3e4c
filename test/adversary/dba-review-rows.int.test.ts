import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { TEST_PASSWORD } from '../support/access.js';
import { DbaStore } from '../support/dba.js';
import { codeAt, cookiesOf } from '../support/http-auth.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Row seals from the database administrator's seat (review of issue #17): moves the table does
 * not list. ASVS 8.2.1, 7.4.1; 21 CFR 11.10(d), 11.10(e).
 */
for (const dialect of DIALECTS) {
  describe(`DBA review: row seals (${dialect})`, () => {
    it('ASVS 8.2.1 / 21 CFR 11.10(d): deleting the ledger.rows-sealed event does not get a forged grant without a MAC sealed at restart', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const monitor = await s.person('monitor');
        await s.tamper(async (db) => {
          expect(
            await db.run(
              `update grants set role = 'study_admin', site_id = null, row_mac = null, row_seq = null where user_id = ?`,
              coordinator.userId,
            ),
          ).toBe(1);
          // The one event that says "this store's rows were sealed": gone, the server thinks it is a pre-#17 store.
          const [sealed] = await db.all(`select seq from audit_events where action = 'ledger.rows-sealed'`);
          expect(await db.run(`delete from audit_events where action = 'ledger.rows-sealed'`)).toBe(1);
          // The gap closed up (a gap alone makes the whole store refused at start, review r17).
          const later = await db.all('select seq from audit_events where seq > ? order by seq', sealed?.seq);
          for (const row of later)
            await db.run('update audit_events set seq = ? where seq = ?', Number(row.seq) - 1, row.seq);
          await db.run("update counters set value = value - 1 where name = 'audit_seq'");
        });
        const granted = await s.as(coordinator, 'POST', '/api/v1/grants', {
          email: monitor.email,
          role: 'data_manager',
          study: s.study.id,
        });
        expect(granted.status, JSON.stringify(granted.body)).not.toBe(201);
        await s.expectRefused(granted, 'grants');
        await s.expectFound('grants');
      }));

    // HOLE (unfixed): the row MAC checked on read holds for an older row, and the comparison with the
    // latest ledger seal runs only when the vault opens (row-seal-startup.ts). Refused after a restart
    // (dba-sessions-tokens.int.test.ts), found by verify, but honoured until then. A fix needs the
    // latest row_seq per row known to the running server (committed writes only, every process).
    it('ASVS 7.4.1 / 21 CFR 11.10(d): a signed-out session rolled back to its older row (old valid MAC) while the server runs is refused', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        const browser = await s.browser(pi);
        const before = await s.sql((db) => db.all('select * from sessions where user_id = ?', pi.userId));
        expect((await s.call(browser, 'POST', '/api/v1/auth/logout', {})).status).toBe(200);
        // No stop: the server keeps running while the database administrator puts the old row back.
        await s.sql((db) => db.restoreRows('sessions', before));
        const read = await s.call(browser, 'GET', `/api/v1/participants/${p.id}`);
        expect(read.status, JSON.stringify(read.body)).not.toBe(200);
        await s.expectFound('sessions');
      }));

    // HOLE (unfixed): docs/ledger.md excludes the access_epoch counter as "any value is harmless", but the
    // access cache (access-cache.ts) drops an entry only when it is read under another epoch: an entry
    // cached before a revocation comes back when the epoch is set back to its value.
    it('ASVS 7.4.1 / 21 CFR 11.10(d): a grant revoked over the service stays revoked when access_epoch is set back in SQL', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        const browser = await s.browser(pi);
        expect((await s.call(browser, 'GET', `/api/v1/participants/${p.id}`)).status).toBe(200);
        const epoch = await s.sql((db) => db.one(`select value from counters where name = 'access_epoch'`));
        const grant = await s.vault.store.db
          .selectFrom('grants')
          .select('id')
          .where('user_id', '=', pi.userId)
          .executeTakeFirstOrThrow();
        expectOk(await s.vault.users.revokeGrant(CLI_ACTOR, grant.id));
        // The server runs on; the database administrator puts the harmless counter back.
        await s.sql((db) => db.run(`update counters set value = ? where name = 'access_epoch'`, epoch.value));
        const read = await s.call(browser, 'GET', `/api/v1/participants/${p.id}`);
        expect(read.status, JSON.stringify(read.body)).not.toBe(200);
      }));

    // HOLE (unfixed): the startup projection reads the latest ledger seal of each row from the events'
    // row_seals without checking their leaf MACs; with the revocation's seals nulled, the older row
    // matches the creation's seal and is honoured after the restart. `verify` names the event (leaf MAC).
    it("21 CFR 11.10(c): a revoked token rolled back in SQL, the revocation event's row_seals nulled, is refused after a restart", async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        await s.participant('S01');
        const { id, token } = expectOk(
          await s.vault.tokens.create(CLI_ACTOR, {
            email: coordinator.email,
            study: s.study.id,
            scopes: ['participant.read'],
          }),
        );
        await s.stop();
        const before = await s.sql((db) => db.all('select * from api_tokens where id = ?', id));
        await s.start();
        expectOk(await s.vault.tokens.revoke(CLI_ACTOR, id));
        await s.tamper(async (db) => {
          await db.restoreRows('api_tokens', before);
          expect(await db.run(`update audit_events set row_seals = null where action = 'token.revoke'`)).toBe(
            1,
          );
        });
        const list = await s.bearer(token, 'GET', `/api/v1/studies/${s.study.id}/participants`);
        expect(list.status, JSON.stringify(list.body)).not.toBe(200);
        await s.expectFound('audit_events');
      }));

    // HOLE (unfixed): volatile columns (users.mfa_failures, sessions.mfa_failures...) are outside the
    // ledger seal and keep row_seq, so the row from before the failures, with its older valid MAC, matches
    // both its MAC and its ledger seal: put back between guesses, the brute-force limits never trigger,
    // and neither the server (now or after a restart) nor `verify` can tell.
    it('ASVS 6.3.1 / 21 CFR 11.300(d): TOTP failures rolled back in SQL between guesses still lock the account', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const login = await s.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: pi.email, password: TEST_PASSWORD },
        });
        const cookie = cookiesOf(login.headers['set-cookie']);
        const headers = { cookie, 'x-csrf-token': /__Host-tv_csrf=([^;]+)/.exec(cookie)?.[1] ?? '' };
        const snapshot = await s.sql(async (db) => ({
          users: await db.all('select * from users where id = ?', pi.userId),
          sessions: await db.all('select * from sessions where user_id = ?', pi.userId),
        }));
        const wrong = async () =>
          s.app.inject({ method: 'POST', url: '/api/v1/auth/totp', headers, payload: { code: '000000' } });
        for (let round = 0; round < 8; round++) {
          await wrong();
          await wrong(); // 16 wrong codes in all: beyond ACCOUNT_MFA_FAILURES (10)
          await s.sql(async (db) => {
            await db.restoreRows('users', snapshot.users);
            await db.restoreRows('sessions', snapshot.sessions);
          });
        }
        s.clock.advance(1);
        const right = await s.app.inject({
          method: 'POST',
          url: '/api/v1/auth/totp',
          headers,
          payload: { code: await codeAt(pi.secret, s.clock) },
        });
        expect(right.statusCode, right.body).not.toBe(200);
      }));
  });
}
