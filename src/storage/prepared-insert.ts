import { type Compilable, type Kysely, sql } from 'kysely';
import { type Plan, planOf, planOwner, Slot, withValues } from './prepared-query.js';
import type { Database } from './schema.js';

/**
 * What an insert does when a row's key is already stored: fail (the default), keep the stored row
 * (`on conflict do nothing`, answering the keys it did insert), or take the new row's `set` columns.
 */
export type InsertConflict =
  | { readonly kind: 'fail' }
  | { readonly kind: 'keep'; readonly key: readonly string[] }
  | { readonly kind: 'replace'; readonly key: readonly string[]; readonly set: readonly string[] };

const FAIL: InsertConflict = { kind: 'fail' };

/** Plans per store handle; a store sees a few shapes (table, columns, row count), bounded anyway. */
const plans = new WeakMap<Kysely<Database>, Map<string, Plan>>();
const MAX_PLANS = 512;

/** The insert of `rows` as Kysely builds it. */
function build(
  db: Kysely<Database>,
  table: string,
  rows: readonly Readonly<Record<string, unknown>>[],
  conflict: InsertConflict,
): Compilable {
  const insert = db.insertInto(table as 'counters').values(rows as never[]);
  if (conflict.kind === 'keep') {
    return insert
      .onConflict((oc) => oc.columns(conflict.key as never[]).doNothing())
      .returning(conflict.key as never[]);
  }
  if (conflict.kind === 'replace') {
    const set = Object.fromEntries(conflict.set.map((c) => [c, sql.ref(`excluded.${c}`)]));
    return insert.onConflict((oc) => oc.columns(conflict.key as never[]).doUpdateSet(set as never));
  }
  return insert;
}

function planFor(
  db: Kysely<Database>,
  table: string,
  columns: readonly string[],
  count: number,
  conflict: InsertConflict,
): Plan {
  const owner = planOwner(db);
  let byShape = plans.get(owner);
  if (byShape === undefined) {
    byShape = new Map();
    plans.set(owner, byShape);
  }
  // The whole conflict rule is part of the shape: its key and `set` columns are in the statement (review
  // s13, N1: two `replace` rules with other `set` columns must not share one).
  const rule =
    conflict.kind === 'fail'
      ? 'fail'
      : `${conflict.kind}\u0001${conflict.key.join('\u0000')}\u0001${conflict.kind === 'replace' ? conflict.set.join('\u0000') : ''}`;
  const key = `${table}\u0000${rule}\u0000${columns.join('\u0000')}\u0000${count}`;
  let plan = byShape.get(key);
  if (plan !== undefined) return plan;
  const slots = Array.from({ length: count }, (_, r) =>
    Object.fromEntries(columns.map((c, k) => [c, new Slot(r * columns.length + k)])),
  );
  // Slots are numbered row by row, column by column: the order of `valuesOf`.
  plan = planOf(build(db, table, slots, conflict).compile(), count * columns.length, `insert into ${table}`);
  if (byShape.size >= MAX_PLANS) byShape.clear();
  byShape.set(key, plan);
  return plan;
}

/** The rows' values in the plan's order, or undefined when a row differs from the first one's shape. */
function valuesOf(rows: readonly Readonly<Record<string, unknown>>[], columns: readonly string[]) {
  const values: unknown[] = [];
  for (const row of rows) {
    const keys = Object.keys(row);
    if (keys.length !== columns.length) return undefined;
    for (let k = 0; k < keys.length; k++) {
      const column = columns[k] as string;
      const value = row[column];
      // An omitted value (undefined) is a column default to Kysely: built the long way.
      if (keys[k] !== column || value === undefined) return undefined;
      values.push(value);
    }
  }
  return values;
}

/**
 * A multi-row insert whose SQL is built and compiled by Kysely once per shape (table, columns, row
 * count, conflict rule) and store, then run with the new values as bound parameters: building an
 * insert costs more than SQLite takes to run it (issue #17, `bench -- core`). Rows that do not all
 * name the same columns in the same order, or omit a value, are built the usual way. Returns the rows
 * the statement answers (the inserted keys for `keep`).
 */
export async function insertRows(
  db: Kysely<Database>,
  table: string,
  rows: readonly Readonly<Record<string, unknown>>[],
  conflict: InsertConflict = FAIL,
): Promise<Record<string, unknown>[]> {
  const [first] = rows;
  if (first === undefined) return [];
  const columns = Object.keys(first);
  const values = valuesOf(rows, columns);
  if (values === undefined) {
    return (await db.executeQuery<Record<string, unknown>>(build(db, table, rows, conflict).compile())).rows;
  }
  const plan = planFor(db, table, columns, rows.length, conflict);
  return (await db.executeQuery<Record<string, unknown>>(withValues(plan, values))).rows;
}
