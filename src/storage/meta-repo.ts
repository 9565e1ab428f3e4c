import type { Kysely } from 'kysely';
import { PreparedQuery } from './prepared-query.js';
import type { Database } from './schema.js';

export async function getMeta(db: Kysely<Database>, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

export async function setMeta(db: Kysely<Database>, key: string, value: string): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/**
 * Advances a named counter by `count` and returns its new value (the last number taken); one atomic
 * upsert whose row lock keeps the numbers gapless and serial across transactions and processes.
 */
export async function nextCounter(db: Kysely<Database>, name: string, count = 1): Promise<number> {
  const row = await ADVANCE_COUNTER.first(db, name, count);
  if (row === undefined) throw new Error('counter upsert returned no row');
  return Number(row.value);
}

// Built once per store (every record and event takes a number: issue #17, `bench -- core`).
const ADVANCE_COUNTER = new PreparedQuery(
  2,
  (db, name: string, count: number) =>
    db
      .insertInto('counters')
      .values({ name, value: count })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet((eb) => ({ value: eb('counters.value', '+', count) })),
      )
      .returning('value'),
  true,
);
