import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { type Browser, DbaStore } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Sessions, API tokens and recovery codes from the database administrator's seat (issue #17): the
 * rows the server reads on every request. Inserted, un-ended or un-revoked in SQL on the stopped
 * store, they are never honoured by the server started again on it: the typed error, an audit event
 * of the refusal, an alert (ASVS 7.2.1, 7.4.1: sessions verified by the server; ASVS 6.5.1;
 * 21 CFR 11.300(b) and (d): unauthorized use of credentials detected and reported).
 */
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();
const FAR = '2030-01-01T00:00:00.000Z';

/** A browser holding a session token the attacker chose (and whose hash the attacker wrote). */
const forgedBrowser = (token: string): Browser => ({
  headers: { cookie: `__Host-tv_session=${token}`, 'x-csrf-token': '' },
});

for (const dialect of DIALECTS) {
  describe(`DBA: sessions, tokens and recovery codes written in SQL are never honoured (${dialect})`, () => {
    it('ASVS 7.2.1 / HIPAA 164.312(d): a session row inserted in SQL reads no PHI without a password or a code', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        const token = 'tvs_planted-by-the-database-administrator';
        const now = new Date(s.clock.time + 60_000).toISOString();
        await s.tamper(async (db) => {
          await db.copyRow(
            'sessions',
            { user_id: pi.userId },
            {
              id: 'session-forged',
              token_hash: sha256(token),
              state: 'active',
              mfa_at: now,
              last_seen_at: now,
              expires_at: FAR,
              ended_at: null,
              end_reason: null,
            },
          );
        });
        const read = await s.call(forgedBrowser(token), 'GET', `/api/v1/records/${p.demog}?reveal=true`);
        expect(JSON.stringify(read.body)).not.toContain('Zelda');
        await s.expectRefused(read, 'sessions');
        await s.expectFound('sessions');
      }));

    it('ASVS 7.4.1 / 21 CFR 11.10(d): a signed-out session un-ended in SQL is refused', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        const browser = await s.browser(pi);
        expect((await s.call(browser, 'POST', '/api/v1/auth/logout', {})).status).toBe(200);
        await s.tamper(async (db) => {
          expect(
            await db.run(
              'update sessions set ended_at = null, end_reason = null where user_id = ?',
              pi.userId,
            ),
          ).toBeGreaterThan(0);
        });
        const read = await s.call(browser, 'GET', `/api/v1/participants/${p.id}`);
        expect(read.status).not.toBe(200);
        await s.expectRefused(read, 'sessions');
        await s.expectFound('sessions');
      }));

    it('ASVS 7.4.1 / 21 CFR 11.10(e): a session rolled back in SQL to its row from before sign-out (its old seal) is refused', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        const browser = await s.browser(pi);
        await s.stop();
        const before = await s.sql((db) => db.all('select * from sessions where user_id = ?', pi.userId));
        await s.start();
        expect((await s.call(browser, 'POST', '/api/v1/auth/logout', {})).status).toBe(200);
        await s.tamper(async (db) => db.restoreRows('sessions', before));
        const read = await s.call(browser, 'GET', `/api/v1/participants/${p.id}`);
        expect(read.status).not.toBe(200);
        await s.expectRefused(read, 'sessions');
        await s.expectFound('sessions');
      }));

    it("ASVS 8.3.1 / 21 CFR 11.300(d): an API token inserted in SQL (a copy of another user's token, seal included) is refused", async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const coordinator = await s.person('coordinator', 'S01');
        await s.participant('S02');
        expectOk(
          await s.vault.tokens.create(CLI_ACTOR, {
            email: coordinator.email,
            study: s.study.id,
            scopes: ['participant.read'],
          }),
        );
        const token = 'tvt_planted-by-the-database-administrator';
        await s.tamper(async (db) => {
          await db.copyRow(
            'api_tokens',
            { user_id: coordinator.userId },
            {
              id: 'token-forged',
              token_hash: sha256(token),
              user_id: pi.userId,
              scopes: JSON.stringify(['participant.read', 'record.read']),
              expires_at: FAR,
            },
          );
        });
        const list = await s.bearer(token, 'GET', `/api/v1/studies/${s.study.id}/participants`);
        expect(list.status).not.toBe(200);
        await s.expectRefused(list, 'api_tokens');
        await s.expectFound('api_tokens');
      }));

    it('ASVS 8.3.x / 21 CFR 11.10(c): an API token un-revoked in SQL is refused', async () =>
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
        expectOk(await s.vault.tokens.revoke(CLI_ACTOR, id));
        await s.tamper(async (db) => {
          expect(await db.run('update api_tokens set revoked_at = null where id = ?', id)).toBe(1);
        });
        const list = await s.bearer(token, 'GET', `/api/v1/studies/${s.study.id}/participants`);
        expect(list.status).not.toBe(200);
        await s.expectRefused(list, 'api_tokens');
        await s.expectFound('api_tokens');
      }));

    it('ASVS 8.3.x / 21 CFR 11.10(e): an API token rolled back in SQL to its row from before revocation (its old seal) is refused', async () =>
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
        await s.tamper(async (db) => db.restoreRows('api_tokens', before));
        const list = await s.bearer(token, 'GET', `/api/v1/studies/${s.study.id}/participants`);
        expect(list.status).not.toBe(200);
        await s.expectRefused(list, 'api_tokens');
        await s.expectFound('api_tokens');
      }));

    it('ASVS 6.5.1 / 21 CFR 11.300(b): a recovery code inserted in SQL (a copy of a real one, seal included) does not complete a sign-in', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const code = 'abcde-fghjk';
        await s.tamper(async (db) => {
          await db.copyRow(
            'recovery_codes',
            { user_id: pi.userId },
            { code_hash: sha256(code), used_at: null },
          );
        });
        const { browser, refusal } = await s.signIn(pi, { code });
        expect(browser).toBeUndefined();
        await s.expectRefused(refusal ?? { status: 200, body: null }, 'recovery_codes');
        await s.expectFound('recovery_codes');
      }));
  });
}
