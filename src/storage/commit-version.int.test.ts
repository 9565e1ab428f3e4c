import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshPlace, type TestPlace } from '../../test/support/stores.js';
import { commitVersion } from './prepared-query.js';
import { openStore, type Store } from './store.js';

const nextCallback = () => new Promise((resolve) => setImmediate(resolve));

describe('commitVersion: has anyone committed to the embedded store since it was last read', () => {
  let place: TestPlace;
  let store: Store;
  beforeEach(async () => {
    place = await freshPlace('sqlite');
    store = await openStore(place.location);
  });
  afterEach(async () => {
    await store.close();
    await place.cleanup();
  });

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
