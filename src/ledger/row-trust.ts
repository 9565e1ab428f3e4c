import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { canonicalKey, type RowSealer, rowKeyOf, rowMacHolds, type SealedRow } from './row-seal.js';
import type { TableBinding } from './table-binding.js';

/**
 * Rows the vault distrusts although their MAC holds: at startup, rows whose ledger seal differs from the
 * latest seal in the ledger (an older valid row restored, e.g. an un-revoked token). Per store handle,
 * in memory: a restart recomputes them from the ledger (row-seal-projection.ts).
 */
const distrusted = new WeakMap<Kysely<Database>, Set<string>>();

export function rowId(table: string, key: readonly unknown[]): string {
  return `${table}\u0000${JSON.stringify(canonicalKey(key))}`;
}

export function distrustRows(db: Kysely<Database>, ids: Iterable<string>): void {
  let set = distrusted.get(db);
  if (set === undefined) {
    set = new Set();
    distrusted.set(db, set);
  }
  for (const id of ids) set.add(id);
}

export function isDistrusted(db: Kysely<Database>, binding: TableBinding, row: SealedRow): boolean {
  const set = distrusted.get(db);
  return (
    set !== undefined &&
    set.size > 0 &&
    set.has(`${binding.table}\u0000${JSON.stringify(rowKeyOf(binding, row))}`)
  );
}

/**
 * The first row that must not be honoured (issue #17): a row MAC that does not hold, or a row distrusted
 * at startup. One HMAC per row; undefined when every row may be used.
 */
export function untrustedRow<R extends SealedRow>(
  db: Kysely<Database>,
  sealer: RowSealer,
  binding: TableBinding,
  rows: readonly R[],
): R | undefined {
  for (const row of rows) {
    if (!rowMacHolds(sealer, binding, row) || isDistrusted(db, binding, row)) return row;
  }
  return undefined;
}
