import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freshPlace, type TestPlace } from '../../test/support/stores.js';
import { appError } from '../core/errors.js';
import { err, ok } from '../core/result.js';
import { openStore, type Store } from './store.js';
import { transact } from './transact.js';

describe('group commit on the embedded store', () => {
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

  const names = async () =>
    (
      await store.db
        .selectFrom('counters')
        .select('name')
        .where('name', 'like', 'g-%')
        .orderBy('name')
        .execute()
    ).map((r) => r.name);

  it('21 CFR 11.10(e): concurrent units share commits, and each stays all or nothing on its own', async () => {
    const transactions = vi.spyOn(store.db, 'transaction');
    const unit = (i: number) =>
      transact(store.db, async (trx) => {
        // Two rows per unit: a unit is stored whole or not at all.
        await trx
          .insertInto('counters')
          .values({ name: `g-${i}-a`, value: i })
          .execute();
        await trx
          .insertInto('counters')
          .values({ name: `g-${i}-b`, value: i })
          .execute();
        if (i % 5 === 1) return err(appError('VALIDATION_FAILED', 'refused'));
        if (i % 5 === 2) throw new Error(`bug ${i}`);
        if (i % 5 === 3) {
          // The same key twice: a constraint violation inside the unit.
          await trx
            .insertInto('counters')
            .values({ name: `g-${i}-a`, value: i })
            .execute();
        }
        return ok(i);
      });
    const settled = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => unit(i)));
    // Asked for in one turn of the event loop: one transaction (and one fsync) for all 40.
    expect(transactions.mock.calls.length).toBe(1);
    const stored = await names();
    for (const [i, outcome] of settled.entries()) {
      const mine = stored.filter((n) => n.startsWith(`g-${i}-`));
      if (i % 5 === 2) {
        expect(outcome.status).toBe('rejected');
        expect(mine).toEqual([]);
        continue;
      }
      expect(outcome.status).toBe('fulfilled');
      const result = outcome.status === 'fulfilled' ? outcome.value : undefined;
      if (i % 5 === 1) expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      else if (i % 5 === 3) expect(result).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      else expect(result).toEqual({ ok: true, value: i });
      expect(mine).toEqual(result?.ok === true ? [`g-${i}-a`, `g-${i}-b`] : []);
    }
  });

  it('a batch that fails as a whole stores none of its units and answers each with the failure', async () => {
    const gate = await transact(store.db, async (trx) => {
      await trx.insertInto('counters').values({ name: 'g-gate', value: 0 }).execute();
      return ok(0);
    });
    expect(gate).toEqual({ ok: true, value: 0 });
    // Asked for in the same turn, so run together; the last one breaks the shared transaction itself.
    const units = [1, 2].map((i) =>
      transact(store.db, async (trx) => {
        await trx
          .insertInto('counters')
          .values({ name: `g-${i}`, value: i })
          .execute();
        return ok(i);
      }),
    );
    const breaker = transact(store.db, async (trx) => {
      await trx.insertInto('counters').values({ name: 'g-3', value: 3 }).execute();
      // Releases the group's savepoint under its feet: the group's own release then fails.
      await sql`release savepoint tv_unit`.execute(trx);
      return ok(3);
    });
    const results = await Promise.allSettled([...units, breaker]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await names()).toEqual(['g-gate']);
  });
});
