import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshPlace, type TestPlace } from '../../test/support/stores.js';
import { appError } from '../core/errors.js';
import { err, ok } from '../core/result.js';
import { PreparedQuery } from './prepared-query.js';
import type { Database } from './schema.js';
import { openStore, type Store } from './store.js';
import { transact } from './transact.js';

const byName = new PreparedQuery(1, (db: Kysely<Database>, name: string) =>
  db.selectFrom('counters').select(['name', 'value']).where('name', '=', name),
);
// A constant between two parameters: the constant stays where the build put it.
const between = new PreparedQuery(2, (db: Kysely<Database>, low: number, high: number) =>
  db
    .selectFrom('counters')
    .select('name')
    .where('value', '>=', low)
    .where('name', 'like', 'pq-%')
    .where('value', '<=', high)
    .orderBy('name'),
);

for (const dialect of DIALECTS) {
  describe(`prepared queries (${dialect})`, () => {
    let place: TestPlace;
    let store: Store;
    beforeAll(async () => {
      place = await freshPlace(dialect);
      store = await openStore(place.location);
      await store.db
        .insertInto('counters')
        .values(
          Array.from({ length: 20 }, (_, i) => ({ name: `pq-${String(i).padStart(2, '0')}`, value: i })),
        )
        .execute();
    });
    afterAll(async () => {
      await store.close();
      await place.cleanup();
    });

    it('answers what the same query built each time answers, for any parameters', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: -5, max: 25 }), fc.integer({ min: -5, max: 25 }), async (a, b) => {
          const built = await store.db
            .selectFrom('counters')
            .select('name')
            .where('value', '>=', a)
            .where('name', 'like', 'pq-%')
            .where('value', '<=', b)
            .orderBy('name')
            .execute();
          expect(await between.execute(store.db, a, b)).toEqual(built);
        }),
        { numRuns: 60 },
      );
      expect(await byName.first(store.db, 'pq-07')).toEqual({ name: 'pq-07', value: 7 });
      expect(await byName.first(store.db, "pq-07' or '1'='1")).toBeUndefined();
    });

    it('a parameter the build does not bind is refused at once (a bug, not a silent constant)', async () => {
      const unbound = new PreparedQuery(1, (db: Kysely<Database>, _name: string) =>
        db.selectFrom('counters').select('name'),
      );
      await expect(unbound.execute(store.db, 'x')).rejects.toThrow(/not bound/);
    });

    it('reads on the store see committed changes only; inside a transaction, its own', async () => {
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let inside: unknown;
      const transaction = store.db.transaction().execute(async (trx) => {
        await trx.updateTable('counters').set({ value: 700 }).where('name', '=', 'pq-03').execute();
        inside = await byName.first(trx, 'pq-03');
        await held;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      // While the transaction is open: the committed value, and no wait for the transaction.
      const outside = await Promise.race([
        byName.first(store.db, 'pq-03'),
        new Promise((resolve) => setTimeout(() => resolve('waited'), 2_000)),
      ]);
      release();
      await transaction;
      expect(inside).toEqual({ name: 'pq-03', value: 700 });
      expect(outside).toEqual({ name: 'pq-03', value: 3 });
      expect(await byName.first(store.db, 'pq-03')).toEqual({ name: 'pq-03', value: 700 });
    });

    it("transactions reuse the store's plan, and each still reads its own changes through its own connection", async () => {
      let builds = 0;
      const counted = new PreparedQuery(1, (db: Kysely<Database>, name: string) => {
        builds++;
        return db.selectFrom('counters').select(['name', 'value']).where('name', '=', name);
      });
      expect(await counted.first(store.db, 'pq-04')).toEqual({ name: 'pq-04', value: 4 });
      for (const value of [401, 402, 403]) {
        const seen = await transact(store.db, async (trx) => {
          await trx.updateTable('counters').set({ value }).where('name', '=', 'pq-04').execute();
          const inside = await counted.first(trx, 'pq-04');
          // Not committed yet: the store's own reads still answer the value before.
          const outside = await counted.first(store.db, 'pq-04');
          return ok({ inside, outside });
        });
        expect(seen).toEqual(
          ok({
            inside: { name: 'pq-04', value },
            outside: { name: 'pq-04', value: value === 401 ? 4 : value - 1 },
          }),
        );
      }
      // One build for the store and its three transactions.
      expect(builds).toBe(1);
      // A transaction rolled back leaves nothing, whatever plan it ran.
      await transact(store.db, async (trx) => {
        await trx.updateTable('counters').set({ value: 999 }).where('name', '=', 'pq-04').execute();
        return err(appError('CONFLICT', 'roll back'));
      });
      expect(await counted.first(store.db, 'pq-04')).toEqual({ name: 'pq-04', value: 403 });
    });
  });
}
