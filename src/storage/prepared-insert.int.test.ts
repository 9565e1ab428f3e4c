import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshPlace, type TestPlace } from '../../test/support/stores.js';
import { ok } from '../core/result.js';
import { insertRows } from './prepared-insert.js';
import { openStore, type Store } from './store.js';
import { transact } from './transact.js';

for (const dialect of DIALECTS) {
  describe(`prepared inserts (${dialect})`, () => {
    let place: TestPlace;
    let store: Store;
    beforeAll(async () => {
      place = await freshPlace(dialect);
      store = await openStore(place.location);
    });
    afterAll(async () => {
      await store.close();
      await place.cleanup();
    });

    const stored = async (prefix: string) =>
      (
        await store.db
          .selectFrom('counters')
          .select(['name', 'value'])
          .where('name', 'like', `${prefix}%`)
          .orderBy('name')
          .execute()
      ).map((r) => ({ name: r.name, value: Number(r.value) }));

    it('stores exactly the rows given, for any rows and any count (the plan is reused per shape)', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 7 }),
          async (values) => {
            const prefix = `pi-${run++}-`;
            const rows = values.map((value, i) => ({ name: `${prefix}${i}`, value }));
            await transact(store.db, async (trx) => {
              await insertRows(trx, 'counters', rows);
              return ok(null);
            });
            expect(await stored(prefix)).toEqual(rows);
          },
        ),
        { numRuns: 40 },
      );
    });

    it('takes values by column name: rows naming the columns in another order are built the long way', async () => {
      await insertRows(store.db, 'counters', [{ name: 'po-a', value: 1 }]);
      await insertRows(store.db, 'counters', [
        { value: 2, name: 'po-b' },
        { name: 'po-c', value: 3 },
      ]);
      expect(await stored('po-')).toEqual([
        { name: 'po-a', value: 1 },
        { name: 'po-b', value: 2 },
        { name: 'po-c', value: 3 },
      ]);
    });

    it('keep: a key already stored is left as it is and only the inserted keys are answered', async () => {
      await insertRows(store.db, 'counters', [{ name: 'pk-a', value: 1 }]);
      const inserted = await insertRows(
        store.db,
        'counters',
        [
          { name: 'pk-a', value: 9 },
          { name: 'pk-b', value: 2 },
        ],
        { kind: 'keep', key: ['name'] },
      );
      expect(inserted).toEqual([{ name: 'pk-b' }]);
      expect(await stored('pk-')).toEqual([
        { name: 'pk-a', value: 1 },
        { name: 'pk-b', value: 2 },
      ]);
    });

    it('replace: a key already stored takes the set columns of the new row', async () => {
      await insertRows(store.db, 'counters', [{ name: 'pr-a', value: 1 }]);
      await insertRows(store.db, 'counters', [{ name: 'pr-a', value: 5 }], {
        kind: 'replace',
        key: ['name'],
        set: ['value'],
      });
      expect(await stored('pr-')).toEqual([{ name: 'pr-a', value: 5 }]);
    });

    it('fail: a key already stored fails the insert and writes none of its rows', async () => {
      await insertRows(store.db, 'counters', [{ name: 'pf-a', value: 1 }]);
      await expect(
        insertRows(store.db, 'counters', [
          { name: 'pf-b', value: 2 },
          { name: 'pf-a', value: 3 },
        ]),
      ).rejects.toThrow();
      expect(await stored('pf-')).toEqual([{ name: 'pf-a', value: 1 }]);
    });

    it('a value that looks like SQL is stored as data (every value a bound parameter)', async () => {
      const name = `pq-'); drop table counters; --`;
      await insertRows(store.db, 'counters', [{ name, value: 7 }]);
      expect(await stored('pq-')).toEqual([{ name, value: 7 }]);
    });

    // Review s13 (N1): the whole conflict rule is part of a plan's key, its `key` and `set` columns too.
    it('a replace that takes only `name` does not change `value`', async () => {
      await insertRows(store.db, 'counters', [{ name: 'pk13', value: 1 }]);
      // Planned first: take `value` from the new row.
      await insertRows(store.db, 'counters', [{ name: 'pk13', value: 2 }], {
        kind: 'replace',
        key: ['name'],
        set: ['value'],
      });
      // Same shape, another rule: take only `name` (so `value` must stay 2).
      await insertRows(store.db, 'counters', [{ name: 'pk13', value: 99 }], {
        kind: 'replace',
        key: ['name'],
        set: ['name'],
      });
      const row = await store.db
        .selectFrom('counters')
        .select('value')
        .where('name', '=', 'pk13')
        .executeTakeFirstOrThrow();
      expect(Number(row.value)).toBe(2);
    });
  });
}
