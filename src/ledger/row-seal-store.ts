import { type Kysely, sql } from 'kysely';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { onCommit } from '../storage/commit-hooks.js';
import { onPostgres } from '../storage/dialect.js';
import { planOwner } from '../storage/prepared-query.js';
import { forgetReadTick } from '../storage/read-tick.js';
import type { Database } from '../storage/schema.js';
import { assertSchemaAsChecked, SchemaChanged } from '../storage/schema-guard.js';
import { writeImage } from '../storage/write-image.js';
import { rewrittenColumn } from './predicted-row.js';
import {
  canonicalKey,
  computeRowMac,
  ROW_MAC,
  ROW_SEQ,
  type RowSealer,
  rememberRowMac,
  rowMacAndSeal,
  type SealedRow,
} from './row-seal.js';
import { raiseMark, rowId, untrustedRow } from './row-trust.js';
import type { TableBinding } from './table-binding.js';

/** A row an event wrote: its table's binding and its primary key values (in the binding's key order). */
export type SealTarget = readonly [binding: TableBinding, key: readonly unknown[]];

/** One entry of an event's `row_seals`: table, canonical key, ledger seal (null: the row was deleted). */
export type RowSealEntry = [table: string, key: unknown[], seal: string | null];

function whereKey(binding: TableBinding, key: readonly unknown[]) {
  if (key.length !== binding.key.length) {
    throw new Error(`table ${binding.table}: ${binding.key.length} key values expected`);
  }
  return sql.join(
    binding.key.map((column, i) => sql`${sql.ref(column)} = ${key[i]}`),
    sql` and `,
  );
}

/**
 * The row as stored (every column), or undefined. `lock`: inside a transaction, held until it ends
 * (PostgreSQL `for update`, or `for share` where writers may share it; on SQLite the transaction's snapshot cannot be written over by another
 * connection without its own commit failing), so the row checked is the row the change writes.
 */
export async function readSealedRow(
  db: Kysely<Database>,
  binding: TableBinding,
  key: readonly unknown[],
  lock: false | 'update' | 'share' | true = false,
): Promise<SealedRow | undefined> {
  const forUpdate =
    lock === false || !onPostgres(db) ? sql`` : lock === 'share' ? sql` for share` : sql` for update`;
  const result = await sql<SealedRow>`select * from ${sql.table(binding.table)} where ${whereKey(
    binding,
    key,
  )}${forUpdate}`.execute(db);
  const row = result.rows[0];
  // A locked read is checked against the mark as it is now (storage/read-tick.ts), and is the base
  // from which the row this transaction leaves is predicted (predicted-row.ts).
  if (row !== undefined && lock !== false) {
    forgetReadTick(row);
    writeImage()?.checked(binding.table, keyIdOf(key), row);
  }
  return row;
}

function keyIdOf(key: readonly unknown[]): string {
  return JSON.stringify(canonicalKey(key));
}

/**
 * A row locked and checked by other means than `readSealedRow` (an update that returns it): the base
 * from which the row this transaction leaves is predicted (predicted-row.ts).
 */
export function noteLockedRow(binding: TableBinding, key: readonly unknown[], row: SealedRow): void {
  writeImage()?.checked(binding.table, keyIdOf(key), row);
}

/**
 * A row sealed as stored must be the row the change predicts (predicted-row.ts): otherwise something
 * in the database rewrote it inside this change. Refused like a changed schema: rolled back, every
 * later request refused and the administrators alerted (app/damaged-store.ts).
 */
function refuseRewritten(
  binding: TableBinding,
  key: readonly unknown[],
  stored: SealedRow | undefined,
): void {
  const column = rewrittenColumn(binding, key, keyIdOf(key), stored);
  if (column !== undefined) throw new SchemaChanged([`${binding.table}.${column} rewritten inside a change`]);
}

async function writeMac(
  db: Kysely<Database>,
  binding: TableBinding,
  key: readonly unknown[],
  seq: unknown,
  mac: Buffer,
  extra: Readonly<Record<string, unknown>> = {},
): Promise<void> {
  const sets = [
    sql`${sql.ref(ROW_SEQ)} = ${seq}`,
    sql`${sql.ref(ROW_MAC)} = ${mac}`,
    ...Object.entries(extra).map(([column, value]) => sql`${sql.ref(column)} = ${value}`),
  ];
  await sql`update ${sql.table(binding.table)} set ${sql.join(sets)} where ${whereKey(binding, key)}`.execute(
    db,
  );
}

/**
 * Seals the rows an event wrote, in its transaction: each gets row_seq = the event's sequence number
 * and its row MAC; the returned entries (the ledger seals) go into the event's leaf. A row no longer
 * there is sealed as deleted (null).
 */
export async function sealRows(
  trx: Kysely<Database>,
  sealer: RowSealer,
  seq: number,
  targets: readonly SealTarget[],
): Promise<RowSealEntry[]> {
  const entries: RowSealEntry[] = [];
  for (const [binding, key] of targets) {
    const stored = await readSealedRow(trx, binding, key);
    refuseRewritten(binding, key, stored);
    // Once committed, an older copy of the row (or of the row deleted here) is below its mark.
    onCommit(trx, () => raiseMark(sealer, rowId(binding.table, canonicalKey(key)), seq, binding.table));
    if (stored === undefined) {
      entries.push([binding.table, canonicalKey(key), null]);
      continue;
    }
    const row = Object.assign({}, stored, { [ROW_SEQ]: seq });
    const { mac, seal } = rowMacAndSeal(sealer, binding, row);
    await writeMac(trx, binding, key, seq, mac);
    // Read back by the next request (a session, a grant): its check is then a comparison (row-seal.ts).
    rememberRowMac(sealer, binding, row, mac);
    entries.push([binding.table, canonicalKey(key), seal]);
  }
  return entries;
}

/**
 * Seals rows the change updated, from their values as now stored (every column, as `SealedInsert`):
 * one update of row_seq and row_mac per row, no read-back. The caller checked the row before changing
 * it and guarded its update (a record's version and lock), so the values given are the stored ones.
 */
export async function sealWritten(
  trx: Kysely<Database>,
  sealer: RowSealer,
  seq: number,
  rows: readonly (readonly [binding: TableBinding, row: SealedRow])[],
): Promise<RowSealEntry[]> {
  const entries: RowSealEntry[] = [];
  for (const [binding, values] of rows) {
    const row: Record<string, unknown> = Object.assign({}, values, { [ROW_SEQ]: seq });
    delete row[ROW_MAC];
    const key = binding.key.map((c) => row[c]);
    const { mac, seal } = rowMacAndSeal(sealer, binding, row);
    await writeMac(trx, binding, key, seq, mac);
    onCommit(trx, () => raiseMark(sealer, rowId(binding.table, canonicalKey(key)), seq, binding.table));
    rememberRowMac(sealer, binding, row, mac);
    entries.push([binding.table, canonicalKey(key), seal]);
  }
  return entries;
}

/**
 * Recomputes a row's MAC keeping its row_seq, after a change of volatile columns only (no event). The
 * caller has checked the row before changing it; prefer `updateVolatile`, which checks it itself.
 */
export async function resealRow(
  trx: Kysely<Database>,
  sealer: RowSealer,
  binding: TableBinding,
  key: readonly unknown[],
): Promise<void> {
  await assertSchemaAsChecked(trx);
  const stored = await readSealedRow(trx, binding, key);
  refuseRewritten(binding, key, stored);
  if (stored === undefined) return;
  await writeMac(trx, binding, key, stored[ROW_SEQ], computeRowMac(sealer, binding, stored));
}

/**
 * Changes volatile columns of a row (no event) and its MAC in one update, after checking the row as
 * stored: a forged row is never laundered by a routine update (ROW_TAMPERED, nothing written). Changing
 * a column the binding does not list as volatile is a programming error.
 */
export async function updateVolatile(
  trx: Kysely<Database>,
  sealer: RowSealer,
  binding: TableBinding,
  key: readonly unknown[],
  changes: Readonly<Record<string, unknown>>,
): Promise<Result<boolean>> {
  for (const column of Object.keys(changes)) {
    if (binding.volatile?.includes(column) !== true) {
      throw new Error(`${binding.table}.${column} is not volatile: change it under an event`);
    }
  }
  // Locked: a sealed write of the row at the same moment is not written over with the old seal.
  const stored = await readSealedRow(trx, binding, key, true);
  if (stored === undefined) return ok(false);
  // As any read: its MAC, distrusted at start, or below its mark (an older copy put back; review s13).
  if (untrustedRow(planOwner(trx), sealer, binding, [stored]) !== undefined)
    return err(rowTampered(binding.table));
  const row = { ...stored, ...changes };
  await writeMac(trx, binding, key, stored[ROW_SEQ], computeRowMac(sealer, binding, row), changes);
  return ok(true);
}

/** The typed refusal of a row whose MAC or ledger seal does not hold (issue #17; docs/errors.md). */
export function rowTampered(table: string) {
  return appError('ROW_TAMPERED', 'A stored row failed its integrity check and was not used.', { table });
}

/** Parses an event's row_seals column; [] for null or (tampered) text that is not the expected JSON. */
export function parseRowSeals(text: unknown): RowSealEntry[] {
  if (typeof text !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (e): e is RowSealEntry =>
        Array.isArray(e) &&
        e.length === 3 &&
        typeof e[0] === 'string' &&
        Array.isArray(e[1]) &&
        (e[2] === null || typeof e[2] === 'string'),
    );
  } catch {
    return [];
  }
}
