import { describe, expect, it } from 'vitest';
import { openVault } from '../../src/app/vault.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DbaStore } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s9b (the ledger follower, ledger-tail.ts) from the database administrator's seat. Each
 * `it.fails` is an open finding: the test states the correct behaviour and fails today.
 */
for (const dialect of DIALECTS) {
  describe(`review s9b: following the ledger's tail (${dialect})`, () => {
    // FINDING S9B-1 (follower blinded by a forged event with a huge seq). followLedger reads
    // max(seq), then keeps that number as `last` whatever the events it read were worth: an event
    // whose leaf MAC fails is skipped but still moves `last` (ledger-tail.ts, `after = seq` before the
    // MAC check, and `followed.set(sealer, top)`). The database administrator inserts one copy of the
    // last event with seq 10^12, lets any authentication run (the follower's `last` becomes 10^12),
    // deletes the copy: the ledger is whole again, and every later real event (seq far below 10^12)
    // is never read by this server until it restarts. A token revoked by a CLI command is then put
    // back older and honoured.
    // Correct: refused (ROW_TAMPERED). The follower must not move `last` past an event that does
    // not hold (or must notice that max(seq) went down / that `last` is no longer in the ledger and
    // read again from the last event it verified).
    it('S9B-1: a forged huge-seq event, deleted again, does not blind the follower', async () =>
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
        const huge = 2_000_000_000; // within PostgreSQL integer
        await s.sql(async (db) => {
          const top = await db.one('select max(seq) as seq from audit_events');
          await db.copyRow('audit_events', { seq: top.seq }, { seq: huge });
        });
        // Any authentication reads the tail: the follower's `last` is now 10^12.
        expect((await s.bearer(token, 'GET', url)).status).toBe(200);
        await s.sql(async (db) => {
          expect(await db.run('delete from audit_events where seq = ?', huge)).toBe(1);
        });
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
    // FINDING S9B-1, variant b (no huge number needed, so a cap on seq is no fix). The forged copy
    // takes the next sequence number (max(seq) + 1); the follower moves `last` onto it; the copy is
    // deleted; the audit_seq counter was never advanced, so the CLI's real revocation takes that same
    // number, and `top > last` is false: that one event is never read. Same fix as S9B-1 (remember
    // the leaf MAC of the event `last` names and read again when it changed or is gone; never move
    // past an event whose MAC fails).
    it('S9B-1b: a forged next-seq event, deleted again, does not hide the next real event', async () =>
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
        const huge = await s.sql(async (db) => {
          const top = await db.one('select max(seq) as seq from audit_events');
          const next = Number(top.seq) + 1;
          await db.copyRow('audit_events', { seq: top.seq }, { seq: next });
          return next;
        });
        // Any authentication reads the tail: the follower's `last` is now that forged number.
        expect((await s.bearer(token, 'GET', url)).status).toBe(200);
        await s.sql(async (db) => {
          expect(await db.run('delete from audit_events where seq = ?', huge)).toBe(1);
        });
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
  });
}
