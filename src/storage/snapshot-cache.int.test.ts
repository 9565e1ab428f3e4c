import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshPlace, type TestPlace } from '../../test/support/stores.js';
import { ok } from '../core/result.js';
import { SnapshotCache } from './snapshot-cache.js';
import { openStore, type Store } from './store.js';
import { transact } from './transact.js';

/** The next macrotask: the shared read transaction of the steps before has ended (sqlite-routing.ts). */
const nextTask = () => new Promise((resolve) => setImmediate(resolve));

for (const dialect of DIALECTS) {
  describe(`snapshot cache (${dialect})`, () => {
    let place: TestPlace;
    let store: Store;
    beforeAll(async () => {
      place = await freshPlace(dialect);
      store = await openStore(place.location);
      await store.db.insertInto('counters').values({ name: 'sc', value: 1 }).execute();
    });
    afterAll(async () => {
      await store.close();
      await place.cleanup();
    });

    const reader = (cache: SnapshotCache<number | undefined>, loads: { n: number }) => () =>
      cache.get(store.db, 'sc', async () => {
        loads.n++;
        const row = await store.db
          .selectFrom('counters')
          .select('value')
          .where('name', '=', 'sc')
          .executeTakeFirst();
        return row === undefined ? undefined : Number(row.value);
      });

    it('answers what the store holds after every commit, from this process or from SQL on the file', async () => {
      const loads = { n: 0 };
      const read = reader(new SnapshotCache(16), loads);
      expect(await read()).toBe(1);
      await nextTask();
      expect(await read()).toBe(1);
      // A commit by this process's writer.
      await transact(store.db, async (trx) => {
        await trx.updateTable('counters').set({ value: 2 }).where('name', '=', 'sc').execute();
        return ok(null);
      });
      await nextTask();
      expect(await read()).toBe(2);
      if (place.location.dialect === 'sqlite') {
        // The database administrator's seat: another connection on the file, outside TrialVault.
        const dba = new Database(place.location.file);
        dba.prepare("update counters set value = 3 where name = 'sc'").run();
        dba.close();
        await nextTask();
        expect(await read()).toBe(3);
      }
      await nextTask();
      const before = loads.n;
      expect(await read()).toBe(dialect === 'sqlite' ? 3 : 2);
      // Nothing committed since the last read: the embedded store answers from the cache; PostgreSQL
      // cannot say whether anything was committed, so it always reads.
      expect(loads.n - before).toBe(dialect === 'sqlite' ? 0 : 1);
    });

    it('never caches inside a transaction (its own changes are not committed yet)', async () => {
      const cache = new SnapshotCache<number | undefined>(16);
      let loads = 0;
      await transact(store.db, async (trx) => {
        for (let i = 0; i < 2; i++) await cache.get(trx, 'k', async () => loads++);
        return ok(null);
      });
      expect(loads).toBe(2);
    });
  });
}
