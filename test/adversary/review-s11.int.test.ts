import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { USERS } from '../../src/authz/access-bindings.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { appError } from '../../src/core/errors.js';
import { err, expectOk, ok } from '../../src/core/result.js';
import {
  canonicalValue,
  computeRowMac,
  labelledLedgerSeal,
  ledgerSeal,
  type RowSealer,
  rowKeyOf,
  rowMacAndSeal,
} from '../../src/ledger/row-seal.js';
import { rowStanding, SealLedger } from '../../src/ledger/row-seal-ledger.js';
import { rowId } from '../../src/ledger/row-trust.js';
import type { TableBinding } from '../../src/ledger/table-binding.js';
import { PARTICIPANTS } from '../../src/participants/participants-bindings.js';
import { PreparedQuery } from '../../src/storage/prepared-query.js';
import type { Database } from '../../src/storage/schema.js';
import { openStore, type Store } from '../../src/storage/store.js';
import { transact } from '../../src/storage/transact.js';
import { SITES } from '../../src/studies/studies-bindings.js';
import { DbaStore } from '../support/dba.js';
import { runBuiltCli } from '../support/dba-cli.js';
import { DIALECTS, freshPlace, type TestPlace } from '../support/stores.js';

/**
 * Review s11 (commits 9532399 "Row seals" and 23829bc "Prepared queries") from the seat of a database
 * administrator with full SQL and an auditor who reads every event's row_seals, neither holding keys.
 */

/** A sealer whose "MAC" is the message itself: the sealed bytes, to compare with canonical JSON. */
const bytes: RowSealer = { rowMac: (m) => Buffer.from(typeof m === 'string' ? m : m.toString('utf8')) };
const keyed = (k: string): RowSealer => ({
  rowMac: (m) => createHmac('sha256', k).update(m).digest(),
});

const ODD = ['id', 'a', 'b', '1', '10', '-1', '', 'é', 'a":"b', '","', '}', '{"', 'row_mac2', 'ROW_SEQ', 'z'];
const T: TableBinding = { table: 'records', key: ['id'], how: 'row-seal', reason: 'test' };

function expected(label: string, binding: TableBinding, row: Record<string, unknown>): string {
  const columns: Record<string, unknown> = {};
  for (const c of Object.keys(row)) {
    if (c === 'row_seq' || c === 'row_mac' || row[c] === null || row[c] === undefined) continue;
    Object.defineProperty(columns, c, { value: canonicalValue(row[c]), enumerable: true });
  }
  return canonicalJson([label, binding.table, rowKeyOf(binding, row), canonicalValue(row.row_seq), columns]);
}

const shape = fc
  .tuple(
    fc.shuffledSubarray(ODD, { minLength: 0 }),
    fc.array(fc.oneof(fc.constant(null), fc.constant(undefined), fc.string(), fc.integer()), {
      minLength: ODD.length,
      maxLength: ODD.length,
    }),
    fc.nat(),
  )
  .map(([names, values, seq]) => {
    const row: Record<string, unknown> = {};
    Object.defineProperty(row, 'id', { value: 'r1', enumerable: true, writable: true });
    for (const [i, n] of names.entries()) {
      if (n !== 'id') Object.defineProperty(row, n, { value: values[i], enumerable: true });
    }
    row.row_seq = seq;
    return row;
  });

describe('review s11: the row seal layout cache and the two seal forms', () => {
  it('S11-1: rows of interleaved shapes (odd, integer-like, JSON-fragment names; null vs absent) seal exactly their canonical JSON', () => {
    fc.assert(
      fc.property(fc.array(shape, { minLength: 2, maxLength: 8 }), (rows) => {
        for (const row of rows) {
          expect(computeRowMac(bytes, T, row).toString('utf8')).toBe(expected('row/v1', T, row));
          expect(rowMacAndSeal(bytes, T, row).mac.toString('utf8')).toBe(expected('row/v1', T, row));
          expect(Buffer.from(labelledLedgerSeal(bytes, T, row), 'base64').toString('utf8')).toBe(
            expected('row-ledger/v1', T, row),
          );
        }
      }),
      { numRuns: 400 },
    );
  });

  it('S11-2: a volatile table never takes a row MAC as its seal, and a seal from another table never stands', () => {
    const key = keyed('k');
    const user = { id: 'u1', email: 'a@b', failed_attempts: 3, row_seq: 7 };
    const mac = computeRowMac(key, USERS, user);
    const stand = (binding: TableBinding, row: Record<string, unknown>, seal: string) => {
      const ledger = new SealLedger();
      ledger.seals.set(rowId(binding.table, rowKeyOf(binding, row)), seal);
      return rowStanding(key, binding, row, ledger);
    };
    expect(stand(USERS, { ...user, row_mac: mac }, mac.toString('base64'))).toBe('differs');
    expect(stand(USERS, { ...user, row_mac: mac }, ledgerSeal(key, USERS, user))).toBeUndefined();
    // A participant row copied into sites (same key column, same values): neither seal form stands.
    const row = { id: 'p1', study_id: 's', code: 'S01', row_seq: 9 };
    const pMac = computeRowMac(key, PARTICIPANTS, row);
    expect(stand(SITES, { ...row, row_mac: pMac }, pMac.toString('base64'))).toBe('differs');
    expect(stand(SITES, { ...row, row_mac: pMac }, labelledLedgerSeal(key, PARTICIPANTS, row))).toBe(
      'differs',
    );
    // A row of shape A sealed, then B: the cache never carries A's columns into B.
    expect(computeRowMac(key, SITES, { id: 'x', a: '1', row_seq: 1 })).not.toEqual(
      computeRowMac(key, SITES, { id: 'x', b: '1', row_seq: 1 }),
    );
  });
});

const PARTICIPANT = (id: string) => `/api/v1/participants/${id}`;
/** `x":"1","y`, quoted as an SQL identifier: a column named like a JSON fragment. */
const FRAGMENT = '"x"":""1"",""y"';

for (const dialect of DIALECTS) {
  describe(`review s11: rows changed, copied or rolled back in SQL (${dialect})`, () => {
    it('S11-3: a record rolled back to its older row (its MAC the older event seal) is refused and found by the built verify', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const p = await s.participant('S01');
        const before = await s.sql((db) => db.all('select * from records where id = ?', p.demog));
        expectOk(
          await s.vault.records.update(CLI_ACTOR, p.demog, { changes: { SEX: 'M' }, reason: 'Correction' }),
        );
        // The auditor's view: the latest seal is the stored row MAC (the new form), nothing more.
        const now = await s.sql((db) => db.one('select row_mac from records where id = ?', p.demog));
        const events = await s.sql((db) =>
          db.all('select row_seals from audit_events where row_seals like ? order by seq', `%${p.demog}%`),
        );
        const last = String(events.at(-1)?.row_seals);
        expect(last).toContain(Buffer.from(now.row_mac as Buffer).toString('base64'));
        await s.tamper((db) => db.restoreRows('records', before));
        await s.expectRefused(await s.as(coordinator, 'GET', `/api/v1/records/${p.demog}`), 'records');
        await s.expectFound('records');
        await s.stop();
        const ran = await runBuiltCli(s.place, 'verify', '--json');
        expect(ran.code, ran.err).toBe(1);
        expect(ran.out).toMatch(/"table": "records"/);
      }));

    it('S11-4: columns a DBA adds (a JSON-fragment name, an integer-like name): the schema is refused; set, the rows are too', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const p = await s.participant('S01');
        const q = await s.participant('S01');
        expect((await s.as(coordinator, 'GET', PARTICIPANT(p.id))).status).toBe(200);
        await s.tamper(async (db) => {
          await db.run(`alter table participants add column ${FRAGMENT} text`);
          await db.run('alter table participants add column "1" text');
        });
        // Review s13: the schema is not the one the migrations made: named by verify, nothing served.
        const changed = await s.findings();
        expect(changed.map((f) => f.table)).toEqual(changed.map(() => 'schema'));
        expect(changed.map((f) => f.row).join(' ')).toMatch(/participants/);
        expect((await s.as(coordinator, 'GET', PARTICIPANT(p.id))).body?.error?.code).toBe('STORE_DAMAGED');
        await s.tamper(async (db) => {
          expect(await db.run(`update participants set ${FRAGMENT} = 'S02' where id = ?`, p.id)).toBe(1);
          expect(await db.run(`update participants set "1" = '0' where id = ?`, q.id)).toBe(1);
        });
        // The columns' values are under the row MAC as well: both rows are found changed.
        const found = (await s.findings()).filter((f) => f.table === 'participants');
        expect(found.length, JSON.stringify(found)).toBe(2);
      }));

    it('S11-5: a row copied under another key with its MAC (and its event seal) is refused', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const p = await s.participant('S01');
        const q = await s.participant('S01');
        await s.tamper(async (db) => {
          const src = await db.one('select * from participants where id = ?', p.id);
          const dst = await db.one('select subject_id from participants where id = ?', q.id);
          await db.run('delete from participants where id = ?', q.id);
          await db.restoreRows('participants', [{ ...src, id: q.id, subject_id: dst.subject_id }]);
        });
        const read = await s.as(coordinator, 'GET', PARTICIPANT(q.id));
        expect(read.body?.error?.code, JSON.stringify(read.body)).toBe('ROW_TAMPERED');
        await s.expectFound('participants');
      }));
  });
}

const byName = new PreparedQuery(1, (db: Kysely<Database>, name: string) =>
  db.selectFrom('counters').select(['name', 'value']).where('name', '=', name),
);

async function counterStore(dialect: (typeof DIALECTS)[number], value: number) {
  const place: TestPlace = await freshPlace(dialect);
  const store: Store = await openStore(place.location);
  await store.db.insertInto('counters').values({ name: 's11', value }).execute();
  const close = async () => {
    await store.close();
    await place.cleanup();
  };
  return { store, close };
}

describe('review s11: prepared plans shared with transactions', () => {
  it('S11-6: a plan first built in a rolled-back transaction of one store answers every store, each from its own data', async () => {
    const stores = await Promise.all(
      DIALECTS.flatMap((d, i) => [counterStore(d, 10 * i + 1), counterStore(d, 10 * i + 2)]),
    );
    try {
      for (const { store } of stores) {
        const seen = await transact(store.db, async (trx) => {
          await trx.updateTable('counters').set({ value: 999 }).where('name', '=', 's11').execute();
          return err(appError('CONFLICT', `${String((await byName.first(trx, 's11'))?.value)}`));
        });
        expect(seen.ok === false && seen.error.message).toBe('999');
      }
      for (const [i, { store }] of stores.entries()) {
        const own = 10 * Math.floor(i / 2) + (i % 2) + 1;
        expect(await byName.first(store.db, 's11')).toEqual({ name: 's11', value: own });
        const inside = await transact(store.db, async (trx) => ok(await byName.first(trx, 's11')));
        expect(inside).toEqual(ok({ name: 's11', value: own }));
      }
    } finally {
      for (const { close } of stores) await close();
    }
  });

  it('S11-7: concurrent units of one commit group each read their own change; a failed one leaves nothing, nor is seen uncommitted', async () => {
    for (const dialect of DIALECTS) {
      const { store, close } = await counterStore(dialect, 5);
      try {
        // Three units: on PostgreSQL each holds one of the pool's four connections, the fourth reads outside.
        const names = ['u0', 'u1', 'u2'];
        await store.db
          .insertInto('counters')
          .values(names.map((name) => ({ name, value: 0 })))
          .execute();
        const outcomes = await Promise.all(
          names.map((name, i) =>
            transact(store.db, async (trx) => {
              await trx
                .updateTable('counters')
                .set({ value: 100 + i })
                .where('name', '=', name)
                .execute();
              const inside = await byName.first(trx, name);
              const outside = await byName.first(store.db, name);
              if (i === 2) return err(appError('CONFLICT', 'roll back'));
              return ok({ inside: inside?.value, outside: outside?.value });
            }),
          ),
        );
        for (const [i, outcome] of outcomes.entries()) {
          if (i === 2) expect(outcome.ok).toBe(false);
          else expect(outcome).toEqual(ok({ inside: 100 + i, outside: 0 }));
        }
        const after = await Promise.all(names.map((n) => byName.first(store.db, n)));
        expect(after.map((r) => r?.value)).toEqual([100, 101, 0]);
      } finally {
        await close();
      }
    }
  });
});

for (const dialect of DIALECTS) {
  describe(`review s11: rows changed in SQL under a running server (${dialect})`, () => {
    it('S11-8: with the layout and MAC memo warm, a value changed live is refused', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const p = await s.participant('S01');
        const browser = await s.browser(coordinator);
        expect((await s.call(browser, 'GET', PARTICIPANT(p.id))).status).toBe(200);
        await s.sql((db) => db.run("update participants set status = 'withdrawn' where id = ?", p.id));
        const changed = await s.call(browser, 'GET', PARTICIPANT(p.id));
        expect(changed.body?.error?.code, JSON.stringify(changed.body)).toBe('ROW_TAMPERED');
      }));

    // Fixed (found on sqlite, from d449b9d): RawReads (sqlite-routing.ts) kept a prepared hot read's
    // column names from when it was first prepared. A column added live to participants shifted
    // `participants.*`, so the DBA's value arrived under the name `site_code` (the join's sites.code
    // dropped): the running server answered siteCode "S02-FORGED". Now a schema change re-prepares.
    it('S11-9: a column added live to participants and set is refused, never shown as the site code', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const q = await s.participant('S01');
        const browser = await s.browser(coordinator);
        expect((await s.call(browser, 'GET', PARTICIPANT(q.id))).status).toBe(200);
        await s.sql(async (db) => {
          await db.run(`alter table participants add column ${FRAGMENT} text`);
          await db.run(`update participants set ${FRAGMENT} = 'S02-FORGED' where id = ?`, q.id);
        });
        const added = await s.call(browser, 'GET', PARTICIPANT(q.id));
        expect(JSON.stringify(added.body)).not.toContain('S02-FORGED');
        expect(added.body?.error?.code, JSON.stringify(added.body)).toBe('ROW_TAMPERED');
      }));
  });
}
