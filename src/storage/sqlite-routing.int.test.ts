import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshPlace, type TestPlace } from '../../test/support/stores.js';
import { commitVersion } from './prepared-query.js';
import { openStore, type Store } from './store.js';

const nextCallback = () => new Promise((resolve) => setImmediate(resolve));

describe('the embedded store: reads beside a running transaction, and commitVersion', () => {
  let place: TestPlace;
  let store: Store;
  beforeEach(async () => {
    place = await freshPlace('sqlite');
    store = await openStore(place.location);
    await store.db.insertInto('counters').values({ name: 'r-1', value: 1 }).execute();
  });
  afterEach(async () => {
    await store.close();
    await place.cleanup();
  });

  const value = async () =>
    (await store.db.selectFrom('counters').select('value').where('name', '=', 'r-1').executeTakeFirst())
      ?.value;

  it('a read outside the transaction answers at once with what is committed; inside, with its own change', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inside: unknown;
    const transaction = store.db.transaction().execute(async (trx) => {
      await trx.updateTable('counters').set({ value: 2 }).where('name', '=', 'r-1').execute();
      inside = (await trx.selectFrom('counters').select('value').where('name', '=', 'r-1').executeTakeFirst())
        ?.value;
      await held;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const outside = await Promise.race([value(), new Promise((r) => setTimeout(() => r('waited'), 2_000))]);
    // A write outside the transaction waits its turn behind it.
    const write = store.db.insertInto('counters').values({ name: 'r-2', value: 9 }).execute();
    const early = await Promise.race([
      write.then(() => 'written'),
      new Promise((r) => setTimeout(() => r('waiting'), 50)),
    ]);
    release();
    await transaction;
    await write;
    expect(inside).toBe(2);
    expect(outside).toBe(1);
    expect(early).toBe('waiting');
    expect(await value()).toBe(2);
    const rows = await store.db.selectFrom('counters').select('name').where('name', 'like', 'r-%').execute();
    expect(rows.map((r) => r.name).sort()).toEqual(['r-1', 'r-2']);
  });

  it('a rolled-back transaction leaves nothing, and statements that change state go to the writer', async () => {
    await expect(
      store.db.transaction().execute(async (trx) => {
        await trx.updateTable('counters').set({ value: 5 }).where('name', '=', 'r-1').execute();
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect(await value()).toBe(1);
    // A checkpoint needs the writable connection: run on the reader it would fail.
    const checkpoint = await sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);
    expect(checkpoint.rows[0]?.busy).toBe(0);
  });

  it("ASVS 7.4.1: reads share a transaction only within one callback; another process's commit is seen by the next", async () => {
    // Another process: its own connection, outside this store's driver.
    const other = new SqliteDatabase(place.location.dialect === 'sqlite' ? place.location.file : '');
    try {
      const set = (v: number) => other.prepare("update counters set value = ? where name = 'r-1'").run(v);
      expect(await value()).toBe(1);
      set(2);
      // The same chain of microtasks (one request): one consistent state, taken at its first read.
      expect(await value()).toBe(1);
      // The next callback (the next request, timer or I/O): the commit is seen.
      await new Promise((resolve) => setImmediate(resolve));
      expect(await value()).toBe(2);
      set(3);
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(await value()).toBe(3);
      // A write through this process (any store) ends the shared read at once.
      expect(await value()).toBe(3);
      set(4);
      await store.db.insertInto('counters').values({ name: 'r-3', value: 0 }).execute();
      expect(await value()).toBe(4);
      // A long chain of reads takes a new transaction now and then (checkpoints are not held back).
      set(5);
      let seen = 4;
      for (let i = 0; i < 100 && seen === 4; i++) seen = (await value()) ?? 0;
      expect(seen).toBe(5);
    } finally {
      other.close();
    }
  });

  // commitVersion: has anyone committed to the embedded store since it was last read.
  it('issue #17: changes after a commit by this process, by another process and by SQL alone; not otherwise', async () => {
    const first = commitVersion(store.db);
    expect(typeof first).toBe('number');
    await nextCallback();
    // Reads change nothing.
    await store.db.selectFrom('counters').selectAll().execute();
    expect(commitVersion(store.db)).toBe(first);
    await nextCallback();
    expect(commitVersion(store.db)).toBe(first);
    // This process's own write (the main connection is another connection to the reader).
    await store.db.insertInto('counters').values({ name: 'cv-1', value: 1 }).execute();
    const second = commitVersion(store.db);
    expect(second).not.toBe(first);
    await nextCallback();
    // A database administrator's change from another process, with SQL alone.
    const other = new SqliteDatabase(place.location.dialect === 'sqlite' ? place.location.file : '');
    try {
      other.prepare("update counters set value = 2 where name = 'cv-1'").run();
      expect(commitVersion(store.db)).not.toBe(second);
      const third = commitVersion(store.db);
      await nextCallback();
      // A rolled-back change commits nothing.
      other.exec("begin; update counters set value = 3 where name = 'cv-1'; rollback;");
      expect(commitVersion(store.db)).toBe(third);
      // A checkpoint moves pages, not content: either answer is safe, a change is never missed.
      other.pragma('wal_checkpoint(TRUNCATE)');
      await nextCallback();
      other.prepare("update counters set value = 4 where name = 'cv-1'").run();
      expect(commitVersion(store.db)).not.toBe(third);
    } finally {
      other.close();
    }
  });

  it('is one number within one shared read: the state it vouches for is read in the same snapshot', async () => {
    const other = new SqliteDatabase(place.location.dialect === 'sqlite' ? place.location.file : '');
    try {
      const before = commitVersion(store.db);
      other.prepare("insert into counters (name, value) values ('cv-2', 1)").run();
      // The same chain of microtasks: the same snapshot, so the same number, and the row is not seen.
      expect(commitVersion(store.db)).toBe(before);
      const row = await store.db
        .selectFrom('counters')
        .selectAll()
        .where('name', '=', 'cv-2')
        .executeTakeFirst();
      expect(row).toBeUndefined();
      await nextCallback();
      expect(commitVersion(store.db)).not.toBe(before);
    } finally {
      other.close();
    }
  });

  it('is unknown inside a transaction (its reads see its own changes)', async () => {
    await store.db.transaction().execute(async (trx) => {
      expect(commitVersion(trx)).toBeUndefined();
    });
  });
});
