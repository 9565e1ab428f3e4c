import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openVault } from '../../src/app/vault.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { RawReads } from '../../src/storage/raw-reads.js';
import { SharedRead, StatementCache } from '../../src/storage/sqlite-routing.js';
import type { Answer } from '../support/adversary.js';
import { DbaStore } from '../support/dba.js';

/**
 * Review cv (the commit version gate: `PRAGMA data_version` spares the ledger follower and the access
 * epoch, ledger-tail.ts and authz/repo.ts) from the seat of a database administrator with SQL on the
 * file of a RUNNING server, and a CLI in another connection. CV-1, CV-1b and CV-4 were holes, fixed in
 * ledger-tail.ts (one follow at a time per position; the version recorded only by a follow that reached
 * the top) and ledger/stored-mac.ts (a MAC of another type fails, never throws).
 */

const PARTICIPANTS = (study: string) => `/api/v1/studies/${study}/participants`;

/** A token for a coordinator at S01, used once (the follower now stands at the top). */
async function tokenUsed(s: DbaStore) {
  const coordinator = await s.person('coordinator', 'S01');
  await s.participant('S01');
  const made = expectOk(
    await s.vault.tokens.create(CLI_ACTOR, {
      email: coordinator.email,
      study: s.study.id,
      scopes: ['participant.read'],
    }),
  );
  expect((await s.bearer(made.token, 'GET', PARTICIPANTS(s.study.id))).status).toBe(200);
  const seen = await s.sql((db) => db.all('select * from api_tokens where id = ?', made.id));
  return { ...made, seen };
}

/** The CLI (another connection on the same file) revokes the token; `between`: SQL once it is open. */
async function cliRevoke(s: DbaStore, id: string, between?: () => Promise<void>): Promise<void> {
  const cli = expectOk(
    await openVault(s.place.location, { keyDir: s.place.keyDir, passphrase: undefined }, { clock: s.clock }),
  );
  try {
    await between?.();
    expectOk(await cli.tokens.revoke(CLI_ACTOR, id));
  } finally {
    await cli.close();
  }
}

/**
 * CV-1's setup: the DBA puts a forged event F (leaf_mac TEXT) at the next number and advances
 * audit_seq past it while the CLI is open (its start would refuse F); the CLI revokes the token (R =
 * F + 1); the DBA puts the token row back older; two requests with the token go in flight at once.
 */
async function blindedRace(s: DbaStore) {
  const { id, token, seen } = await tokenUsed(s);
  await cliRevoke(s, id, () =>
    s.sql(async (db) => {
      const top = Number((await db.one('select max(seq) as seq from audit_events')).seq);
      await db.copyRow('audit_events', { seq: top }, { seq: top + 1, leaf_mac: 'not a blob' });
      await db.run("update counters set value = ? where name = 'audit_seq'", top + 2);
    }),
  );
  await s.sql((db) => db.restoreRows('api_tokens', seen));
  const url = PARTICIPANTS(s.study.id);
  const race: Answer[] = await Promise.all([s.bearer(token, 'GET', url), s.bearer(token, 'GET', url)]);
  return { token, url, race };
}

describe('review cv: the commit version gate (sqlite, server running)', () => {
  it('CV-0: a token revoked by the CLI and put back older in SQL is refused', async () =>
    DbaStore.with('sqlite', async (s) => {
      const { id, token, seen } = await tokenUsed(s);
      await cliRevoke(s, id);
      await s.sql((db) => db.restoreRows('api_tokens', seen));
      const list = await s.bearer(token, 'GET', PARTICIPANTS(s.study.id));
      expect(list.status, JSON.stringify(list.body)).not.toBe(200);
    }));

  it('CV-0b: checkpoints (TRUNCATE, RESTART) around the put-back do not hide the revocation', async () =>
    DbaStore.with('sqlite', async (s) => {
      const { id, token, seen } = await tokenUsed(s);
      await s.sql(async (db) => {
        await db.all('pragma wal_checkpoint(TRUNCATE)');
      });
      await cliRevoke(s, id);
      await s.sql(async (db) => {
        await db.all('pragma wal_checkpoint(TRUNCATE)');
        await db.restoreRows('api_tokens', seen);
        await db.all('pragma wal_checkpoint(RESTART)');
      });
      const list = await s.bearer(token, 'GET', PARTICIPANTS(s.study.id));
      expect(list.status, JSON.stringify(list.body)).not.toBe(200);
    }));

  it('CV-0c: the DBA cannot take the file out of WAL mode under the running server', async () =>
    DbaStore.with('sqlite', async (s) => {
      const mode = await s.sql(async (db) => {
        try {
          return String((await db.one('pragma journal_mode = DELETE')).journal_mode);
        } catch (error) {
          return (error as Error).message;
        }
      });
      expect(mode).not.toBe('delete');
    }));

  // FINDING CV-1 (the gate records "reached the top" for a follower that did not). Two followers of
  // one Position run at once (two requests in flight). The DBA has put one forged event F at the next
  // number (audit_seq advanced too) whose leaf_mac is TEXT, not a blob: the follower that steps onto F
  // throws (Buffer.equals(string), ledger-tail.ts) after `at.seq = F`; the other, whose page starts at
  // F, breaks at once (`seq !== at.seq + 1`) and returns normally, and followLedger then writes
  // `at.version = version`. From then on, while nothing is committed, every call returns at the gate:
  // the CLI's revocation R = F + 1 is never read and the put-back row is honoured. Before the gate the
  // next call re-read the tail (and threw: refused).
  // Correct: refused. followLedger must only record the version when its own followOn reached the
  // top (serialise followers of one Position, or record the version/top pair inside followOn, and
  // never move `at.seq` past an event that throws; compare leaf MACs of any type without throwing).
  it('CV-1: two requests in flight over a throwing forged event leave the follower blind', async () =>
    DbaStore.with('sqlite', async (s) => {
      const { token, url, race } = await blindedRace(s);
      // Whatever the two in flight got, a later request must be refused.
      const later = await s.bearer(token, 'GET', url);
      const seen = JSON.stringify({ race: race.map((r) => r.status), body: later.body });
      expect(later.status, seen).not.toBe(200);
    }));

  // FINDING CV-1b (pre-existing, not the gate's: the same on the parent commit). Same setup: of the two
  // requests in flight, the one whose follower breaks at F (`seq !== at.seq + 1`) returns early while
  // the other is still stepping (and then throws), and authenticates the put-back token (observed:
  // [500, 200]). Followers of one Position are not serialised (ledger-tail.ts followOn).
  // Correct: no request is honoured. One follow at a time per Position (a shared promise), the
  // others awaiting it.
  it('CV-1b: no request in flight with the follower is honoured with the put-back token', async () =>
    DbaStore.with('sqlite', async (s) => {
      const { race } = await blindedRace(s);
      expect(race.map((r) => r.status)).not.toContain(200);
    }));

  it('CV-2: the access epoch set back in SQL after a CLI revocation does not revive the cached token', async () =>
    DbaStore.with('sqlite', async (s) => {
      const { id, token } = await tokenUsed(s);
      const epoch = await s.sql(
        async (db) => (await db.one("select value from counters where name = 'access_epoch'")).value,
      );
      await cliRevoke(s, id);
      await s.sql(async (db) => {
        await db.run("update counters set value = ? where name = 'access_epoch'", epoch);
      });
      const list = await s.bearer(token, 'GET', PARTICIPANTS(s.study.id));
      expect(list.status, JSON.stringify(list.body)).not.toBe(200);
    }));

  // FINDING CV-4 (pre-existing, low: denial of service). One event inserted in SQL with a TEXT
  // leaf_mac makes `Buffer.equals(string)` throw in the follower (ledger-tail.ts, at every later call
  // through `now.at.equals(at.mac)`) and in the startup projection (row-seal-startup.ts): every
  // authentication answers 500 until the server restarts, and the CLI cannot open the store.
  // Correct: the event's MAC fails (a leaf MAC that is not bytes never holds), it is passed over and
  // reported; valid tokens keep working.
  it('CV-4: a forged event with a TEXT leaf_mac does not stop authentication', async () =>
    DbaStore.with('sqlite', async (s) => {
      const { token } = await tokenUsed(s);
      await s.sql(async (db) => {
        const top = Number((await db.one('select max(seq) as seq from audit_events')).seq);
        await db.copyRow('audit_events', { seq: top }, { seq: top + 1, leaf_mac: 'not a blob' });
      });
      const url = PARTICIPANTS(s.study.id);
      expect((await s.bearer(token, 'GET', url)).status).toBe(200);
      expect((await s.bearer(token, 'GET', url)).status).toBe(200);
    }));

  it('CV-3: hostile column names (a DBA-added column under select *) are data, never code', () => {
    const sqlite = new SqliteDatabase(':memory:');
    const names = ['x"}; globalThis.__tv_cv = 1; ({"', '\u2028', '__proto__', 'constructor', 'a\\'];
    sqlite.exec(`create table t (${names.map((n) => `"${n.replaceAll('"', '""')}"`).join(', ')})`);
    sqlite
      .prepare(`insert into t values (${names.map(() => '?').join(', ')})`)
      .run(...names.map((_, i) => i));
    try {
      const raw = new RawReads(new SharedRead(new StatementCache(sqlite)));
      const [row] = raw.all('select * from t', []);
      expect((globalThis as Record<string, unknown>).__tv_cv).toBeUndefined();
      expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
      expect(Object.keys(row ?? {})).toEqual(names);
      expect(Object.values(row ?? {})).toEqual(names.map((_, i) => i));
    } finally {
      new SharedRead(new StatementCache(sqlite)).end();
      sqlite.close();
    }
  });
});
