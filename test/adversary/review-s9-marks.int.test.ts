import { describe, expect, it } from 'vitest';
import { openVault } from '../../src/app/vault.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { computeRowMac } from '../../src/ledger/row-seal.js';
import { untrustedRow } from '../../src/ledger/row-trust.js';
import type { TableBinding } from '../../src/ledger/table-binding.js';
import { TEST_PASSWORD, userWithRole } from '../support/access.js';
import { DbaStore } from '../support/dba.js';
import { codeAt } from '../support/http-auth.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s9 (high-water marks of row_seq, row-trust.ts / mark-table.ts) from the database
 * administrator's seat, with an insider holding a real role over HTTP. Each `it.fails` is an open
 * finding; the test states the correct behaviour and fails today because the server honours the row.
 * Fixed the same session, now plain `it`: S9-1..S9-7 and S9-1b (marks seeded from the
 * ledger at every start, row-seal-startup.ts; control rows' marks apart from data rows', row-trust.ts;
 * marks follow the ledger's tail, ledger-tail.ts).
 */
for (const dialect of DIALECTS) {
  describe(`review s9: high-water marks (${dialect})`, () => {
    // FINDING S9-1 (marks forgotten by a restart). The startup projection (row-seal-startup.ts)
    // compares each row with its latest ledger seal once, when the vault opens; the high-water marks
    // start empty and are raised only by rows this process writes or reads afterwards. A row nobody
    // has read since the restart (a revoked token its holder stopped using) can be put back older,
    // with its older valid MAC, while the restarted server runs: no mark, not distrusted, honoured.
    // Correct: refused (ROW_TAMPERED, event and alert), e.g. by seeding the marks from the latest
    // ledger seal's row_seq of every checked row at startup, or checking the ledger seal on a first
    // read of a row that has no mark.
    it('S9-1: a revoked API token put back after a restart, before anyone reads it, is refused', async () =>
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
        const before = await s.sql((db) => db.all('select * from api_tokens where id = ?', id));
        expectOk(await s.vault.tokens.revoke(CLI_ACTOR, id));
        const url = `/api/v1/studies/${s.study.id}/participants`;
        expect((await s.bearer(token, 'GET', url)).status).not.toBe(200);
        // An ordinary restart (no tampering yet): the startup check finds the store consistent.
        await s.stop();
        await s.start();
        // The server runs; the database administrator puts the un-revoked row back.
        await s.sql((db) => db.restoreRows('api_tokens', before));
        const list = await s.bearer(token, 'GET', url);
        expect(list.status, JSON.stringify(list.body)).not.toBe(200);
      }));

    it('S9-1: a signed-out session put back after a restart, before anyone reads it, is refused', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        const browser = await s.browser(pi);
        const before = await s.sql((db) => db.all('select * from sessions where user_id = ?', pi.userId));
        expect((await s.call(browser, 'POST', '/api/v1/auth/logout', {})).status).toBe(200);
        await s.stop();
        await s.start();
        await s.sql((db) => db.restoreRows('sessions', before));
        const read = await s.call(browser, 'GET', `/api/v1/participants/${p.id}`);
        expect(read.status, JSON.stringify(read.body)).not.toBe(200);
      }));

    // FINDING S9-1b (two processes). The docs say other processes only ever raise row_seq, "so the mark
    // is safe with several servers": safe from false refusals, but a mark holds only what this
    // process saw. A token the server used (mark = its row_seq then) and revoked by another process on
    // the same store (a second vault handle, as `trialvault` CLI commands open it) is put back to the
    // row the server saw: equal to its mark, not below, and honoured.
    // Correct: refused (ROW_TAMPERED); the server must learn the latest row_seq of a row it trusts
    // from the ledger, not only from its own reads and writes.
    it('S9-1b: a token revoked by another process on the same store and put back is refused by the server', async () =>
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
        const url = `/api/v1/studies/${s.study.id}/participants`;
        expect((await s.bearer(token, 'GET', url)).status).toBe(200);
        const seen = await s.sql((db) => db.all('select * from api_tokens where id = ?', id));
        const cli = expectOk(
          await openVault(
            s.place.location,
            { keyDir: s.place.keyDir, passphrase: undefined },
            { clock: s.clock },
          ),
        );
        try {
          expectOk(await cli.tokens.revoke(CLI_ACTOR, id));
        } finally {
          await cli.close();
        }
        // The server is not asked in between (a read of the revoked row would raise its mark).
        await s.sql((db) => db.restoreRows('api_tokens', seen));
        const list = await s.bearer(token, 'GET', url);
        expect(list.status, JSON.stringify(list.body)).not.toBe(200);
      }));

    // An event copied in SQL under a huge sequence number (its leaf MAC no longer holds) must not move
    // the follower past the real events the counter numbers below it (ledger-tail.ts): the follower
    // keeps its place at the last event whose MAC holds.
    it('S9-1c: a forged event with a huge seq does not blind the server to a later revocation', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        await s.participant('S01');
        const last = await s.sql((db) => db.one('select max(seq) as top from audit_events'));
        await s.sql((db) => db.copyRow('audit_events', { seq: last.top }, { seq: 1_000_000_000 }));
        const { id, token } = expectOk(
          await s.vault.tokens.create(CLI_ACTOR, {
            email: coordinator.email,
            study: s.study.id,
            scopes: ['participant.read'],
          }),
        );
        const url = `/api/v1/studies/${s.study.id}/participants`;
        expect((await s.bearer(token, 'GET', url)).status).toBe(200);
        const seen = await s.sql((db) => db.all('select * from api_tokens where id = ?', id));
        const cli = expectOk(
          await openVault(
            s.place.location,
            { keyDir: s.place.keyDir, passphrase: undefined },
            { clock: s.clock },
          ),
        );
        try {
          expectOk(await cli.tokens.revoke(CLI_ACTOR, id));
        } finally {
          await cli.close();
        }
        await s.sql((db) => db.restoreRows('api_tokens', seen));
        const list = await s.bearer(token, 'GET', url);
        expect(list.status, JSON.stringify(list.body)).not.toBe(200);
      }));

    // FINDING S9-2 (security rows in the data marks). ACCESS_TABLES (row-trust.ts) lists users,
    // grants, api_tokens, break_glass, sessions, devices; `recovery_codes` and `passkeys` are not in
    // it, so their marks live in the data table (200,000 marks, two generations: 100,000 distinct data
    // rows read turn it over; 250,000 below so the young generation holding the mark is dropped). An export or a long listing by the insider (a statistician) flushes the
    // mark of a spent recovery code; the database administrator puts the unused row back and the same
    // code completes a sign-in again. The flood below stands in for that export: the records rows are
    // sealed with the vault's own row key and checked through the same untrustedRow an export calls
    // (export/source.ts), which is cheaper than writing 50,000 records in a test.
    // Correct: a spent code stays spent (refused, ROW_TAMPERED): recovery_codes and passkeys (every
    // table a sign-in rests on) in ACCESS_TABLES.
    it('S9-2: a spent recovery code put back after an export of many data rows does not sign in again', async () =>
      DbaStore.with(dialect, async (s) => {
        const { email, user } = await userWithRole(s.vault, 'principal_investigator', s.study.id);
        const first = expectOk(await s.vault.auth.login(email, TEST_PASSWORD));
        const { secret } = expectOk(
          await s.vault.factors.beginTotp(first.token, { password: TEST_PASSWORD }),
        );
        s.clock.advance(1);
        const { recoveryCodes } = expectOk(
          await s.vault.factors.confirmTotp(first.token, await codeAt(secret, s.clock)),
        );
        const code = recoveryCodes[0] ?? '';
        const who = { email, secret };
        const unused = await s.sql((db) => db.all('select * from recovery_codes where user_id = ?', user.id));
        expect((await s.signIn(who, { code })).browser).toBeDefined();
        // Spent: the same code is refused while the mark holds.
        expect((await s.signIn(who, { code })).browser).toBeUndefined();
        floodDataMarks(s, 250_000);
        await s.sql((db) => db.restoreRows('recovery_codes', unused, ['user_id', 'code_hash']));
        const again = await s.signIn(who, { code });
        expect(again.browser, JSON.stringify(again.refusal?.body)).toBeUndefined();
      }));
  });
}

const RECORDS: TableBinding = { table: 'records', key: ['id'], how: 'row-seal', reason: 'review s9 flood' };

/** `count` distinct record rows, validly sealed, checked outside a transaction as an export does. */
function floodDataMarks(s: DbaStore, count: number): void {
  const db = s.vault.store.db;
  const keyring = s.vault.keyring;
  for (let page = 0; page * 1000 < count; page++) {
    const rows = Array.from({ length: 1000 }, (_, i) => {
      const row = { id: `flood-${page * 1000 + i}`, version: 1, row_seq: 1, row_mac: null };
      return { ...row, row_mac: computeRowMac(keyring, RECORDS, row) };
    });
    expect(untrustedRow(db, keyring, RECORDS, rows)).toBeUndefined();
  }
}
