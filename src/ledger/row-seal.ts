import { timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type { TableBinding } from './table-binding.js';

/** The narrow key dependency: HMAC-SHA-256 under the row key (Keyring.rowMac). */
export interface RowSealer {
  rowMac(message: Buffer): Buffer;
}

/** A row as read with `selectAll()`: column -> value. */
export type SealedRow = Readonly<Record<string, unknown>>;

/** The columns every row-sealed table carries (migration 0010); never part of what they seal. */
export const ROW_SEQ = 'row_seq';
export const ROW_MAC = 'row_mac';

const ROW_LABEL = 'row/v1';
const LEDGER_LABEL = 'row-ledger/v1';

/**
 * One column value, the same on both dialects: integers (PostgreSQL bigints come back as strings) as
 * their decimal text, binary as a tagged base64 object (text is never an object, so the two cannot be
 * confused), text as itself. Column affinity keeps a number from standing in for text in SQLite.
 */
export function canonicalValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return { b64: value.toString('base64') };
  if (value instanceof Uint8Array) return { b64: Buffer.from(value).toString('base64') };
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? '1' : '0';
  throw new Error(`a row column cannot hold a ${typeof value}`);
}

/** The primary key values of a row, canonical, in the binding's key order. */
export function rowKeyOf(binding: TableBinding, row: SealedRow): unknown[] {
  return binding.key.map((column) => canonicalValue(row[column]));
}

/** The canonical primary key of given key values (what `seals` and ledger entries carry). */
export function canonicalKey(values: readonly unknown[]): unknown[] {
  return values.map(canonicalValue);
}

/**
 * The bytes a row MAC or a ledger seal covers: label, table, primary key, row_seq and the named
 * columns, non-null ones only and sorted by name (a null and an absent column are the same, so a
 * nullable column added later leaves existing MACs valid; a value set or cleared still changes them).
 */
function sealBytes(
  label: string,
  binding: TableBinding,
  row: SealedRow,
  skip: ReadonlySet<string> | undefined,
): Buffer {
  const columns: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (column === ROW_MAC || column === ROW_SEQ || value === null || value === undefined) continue;
    if (skip?.has(column) === true) continue;
    columns[column] = canonicalValue(value);
  }
  return Buffer.from(
    canonicalJson([label, binding.table, rowKeyOf(binding, row), canonicalValue(row[ROW_SEQ]), columns]),
    'utf8',
  );
}

/** The row MAC: every column (volatile ones included), the table, the key and row_seq. */
export function computeRowMac(sealer: RowSealer, binding: TableBinding, row: SealedRow): Buffer {
  return sealer.rowMac(sealBytes(ROW_LABEL, binding, row, undefined));
}

const volatileSets = new WeakMap<TableBinding, ReadonlySet<string>>();

function volatileOf(binding: TableBinding): ReadonlySet<string> {
  let set = volatileSets.get(binding);
  if (set === undefined) {
    set = new Set(binding.volatile ?? []);
    volatileSets.set(binding, set);
  }
  return set;
}

/**
 * The ledger seal (base64): an HMAC, not a plain hash, of the row without its volatile columns, kept in
 * the audit event that wrote the row. Auditors read events: a hash would let them test guesses of
 * low-entropy values; the HMAC does not.
 */
export function ledgerSeal(sealer: RowSealer, binding: TableBinding, row: SealedRow): string {
  return sealer.rowMac(sealBytes(LEDGER_LABEL, binding, row, volatileOf(binding))).toString('base64');
}

/** True when the row carries the MAC of its current content (constant-time compare). */
export function rowMacHolds(sealer: RowSealer, binding: TableBinding, row: SealedRow): boolean {
  const stored = row[ROW_MAC];
  if (!(stored instanceof Uint8Array) || stored.length !== 32 || row[ROW_SEQ] === null) return false;
  return timingSafeEqual(stored, computeRowMac(sealer, binding, row));
}
