import { timingSafeEqual } from 'node:crypto';
import type { TableBinding } from './table-binding.js';

/** The narrow key dependency: HMAC-SHA-256 under the row key (Keyring.rowMac); text is MACed as UTF-8. */
export interface RowSealer {
  rowMac(message: Buffer | string): Buffer;
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
 * One canonical value (canonicalValue) as canonical JSON (core/canonical-json.ts), written directly:
 * decimal and base64 text needs no escaping, other text is JSON.stringify'd as canonicalJson does.
 */
function canonicalText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Uint8Array) {
    return `{"b64":"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"}`;
  }
  if (typeof value === 'number' || typeof value === 'bigint') return JSON.stringify(String(value));
  if (typeof value === 'boolean') return value ? '"1"' : '"0"';
  throw new Error(`a row column cannot hold a ${typeof value}`);
}

/**
 * The bytes a row MAC or a ledger seal covers: label, table, primary key, row_seq and the named
 * columns, non-null ones only and sorted by name (a null and an absent column are the same, so a
 * nullable column added later leaves existing MACs valid; a value set or cleared still changes them).
 * Exactly `canonicalJson([label, table, rowKeyOf(row), canonicalValue(row_seq), {column: value}])`
 * (row-seal.test.ts holds the two together), built without the intermediate objects: this runs for
 * every sealed row written and every row checked on read.
 */
function sealBytes(
  label: string,
  binding: TableBinding,
  row: SealedRow,
  skip: ReadonlySet<string> | undefined,
): string {
  // Text, MACed as UTF-8 (RowSealer): no intermediate Buffer per row.
  return `[${JSON.stringify(label)}${sealTail(binding, row, skip)}`;
}

/**
 * The sorted columns a row of a given shape seals (its keys in `Object.keys` order, which rows built
 * by the same code share), each with its JSON name written once: sorting and quoting names per row
 * cost more than the HMAC (issue #17, `bench -- core`).
 */
interface Layout {
  readonly keys: readonly string[];
  readonly columns: readonly string[];
  /** `"column":`, one per column. */
  readonly names: readonly string[];
  readonly prefix: string;
}

const layouts = new WeakMap<TableBinding, { all?: Layout; kept?: Layout }>();

function layoutOf(binding: TableBinding, keys: readonly string[], skip: ReadonlySet<string> | undefined) {
  let held = layouts.get(binding);
  if (held === undefined) {
    held = {};
    layouts.set(binding, held);
  }
  const known = skip === undefined ? held.all : held.kept;
  if (known !== undefined && sameKeys(known.keys, keys)) return known;
  const columns = keys.filter((c) => c !== ROW_MAC && c !== ROW_SEQ && skip?.has(c) !== true);
  // UTF-16 code unit order, as canonicalJson sorts object keys (RFC 8785 3.2.3).
  columns.sort();
  const layout: Layout = {
    keys: [...keys],
    columns,
    names: columns.map((c) => `${JSON.stringify(c)}:`),
    prefix: `,${JSON.stringify(binding.table)},[`,
  };
  if (skip === undefined) held.all = layout;
  else held.kept = layout;
  return layout;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What follows the label in `sealBytes`: the same for the row MAC and the ledger seal without volatiles. */
function sealTail(binding: TableBinding, row: SealedRow, skip: ReadonlySet<string> | undefined): string {
  const layout = layoutOf(binding, Object.keys(row), skip);
  let text = layout.prefix;
  const key = binding.key;
  for (let i = 0; i < key.length; i++) text += (i === 0 ? '' : ',') + canonicalText(row[key[i] as string]);
  text += `],${canonicalText(row[ROW_SEQ])},{`;
  let first = true;
  const { columns, names } = layout;
  for (let i = 0; i < columns.length; i++) {
    const value = row[columns[i] as string];
    // A null and an absent column are the same (sealBytes).
    if (value === null || value === undefined) continue;
    text += (first ? '' : ',') + names[i] + canonicalText(value);
    first = false;
  }
  return `${text}}]`;
}

const ROW_PREFIX = `[${JSON.stringify(ROW_LABEL)}`;
const LEDGER_PREFIX = `[${JSON.stringify(LEDGER_LABEL)}`;

/**
 * The row MAC and the ledger seal of a row being sealed, the same as `computeRowMac` and `ledgerSeal`:
 * when no volatile column holds a value the two cover the same columns, so the row is serialized once.
 */
export function rowMacAndSeal(
  sealer: RowSealer,
  binding: TableBinding,
  row: SealedRow,
): { readonly mac: Buffer; readonly seal: string } {
  const all = sealTail(binding, row, undefined);
  const volatile = volatileOf(binding);
  const mac = sealer.rowMac(ROW_PREFIX + all);
  if (volatile.size === 0) return { mac, seal: mac.toString('base64') };
  let ledger = all;
  for (const column of volatile) {
    if (row[column] !== null && row[column] !== undefined) {
      ledger = sealTail(binding, row, volatile);
      break;
    }
  }
  return { mac, seal: sealer.rowMac(LEDGER_PREFIX + ledger).toString('base64') };
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
 * The ledger seal (base64) kept in the audit event that wrote the row: an HMAC, not a plain hash, so
 * auditors who read events cannot test guesses of low-entropy values. For a table with volatile
 * columns it covers the row without them, under its own label. For a table without any it is the row
 * MAC itself: the two would cover the same bytes, and a second HMAC of them under another label bound
 * nothing more (a database administrator sees the row MAC anyway). This halves the HMACs of every
 * record written (issue #17, `bench -- core`).
 */
export function ledgerSeal(sealer: RowSealer, binding: TableBinding, row: SealedRow): string {
  const volatile = volatileOf(binding);
  if (volatile.size === 0) return computeRowMac(sealer, binding, row).toString('base64');
  return sealer.rowMac(sealBytes(LEDGER_LABEL, binding, row, volatile)).toString('base64');
}

/**
 * The seal that events written before the one above hold for a table without volatile columns: the row under
 * the ledger label. Still accepted for those events; a row must match one of the two, both keyed.
 */
export function labelledLedgerSeal(sealer: RowSealer, binding: TableBinding, row: SealedRow): string {
  return sealer.rowMac(sealBytes(LEDGER_LABEL, binding, row, volatileOf(binding))).toString('base64');
}

/**
 * Rows whose MAC was computed or checked here, per row key (sealer): table and MAC -> the exact column
 * values it covers (non-null ones, row_seq included). A row read again with the same MAC and the same
 * values has the same sealed bytes, so the same MAC: it holds without canonical JSON or an HMAC. A row
 * changed in any column (or copied under another key) differs in a value and is checked in full, so
 * a forged row never passes on the strength of an entry (issue #17: "cache entries keyed by the MAC").
 * This only spares the HMAC: distrust and high-water marks are checked on every read (row-trust.ts).
 * Bounded: the oldest entries go first.
 */
const verified = new WeakMap<RowSealer, Map<string, VerifiedRow>>();
const VERIFIED_CAPACITY = 50_000;

/** A row known to carry its MAC; `id` is its identity for the marks (row-trust.ts), set on first use. */
export interface VerifiedRow {
  readonly values: ReadonlyMap<string, unknown>;
  id?: string;
}

function memoOf(sealer: RowSealer): Map<string, VerifiedRow> {
  let memo = verified.get(sealer);
  if (memo === undefined) {
    memo = new Map();
    verified.set(sealer, memo);
  }
  return memo;
}

// Latin-1 maps each byte to one character, so the key is exact; it costs less than base64 (hot path).
const memoKey = (table: string, mac: Uint8Array) =>
  `${table}\u0000${(Buffer.isBuffer(mac) ? mac : Buffer.from(mac.buffer, mac.byteOffset, mac.byteLength)).toString('latin1')}`;

/** The same values, column for column (a number for text, or any other mismatch: not the same). */
function sameValues(entry: VerifiedRow, row: SealedRow): boolean {
  let count = 0;
  for (const column of Object.keys(row)) {
    const value = row[column];
    if (value === null || value === undefined || column === ROW_MAC) continue;
    count++;
    const known = entry.values.get(column);
    if (known === value) continue;
    // Entries hold Buffer copies (rememberRowMac).
    if (!Buffer.isBuffer(known) || !(value instanceof Uint8Array) || !known.equals(value)) return false;
  }
  return count === entry.values.size;
}

/** Remembers that `row` (its values as they are now) carries `mac`. */
export function rememberRowMac(sealer: RowSealer, binding: TableBinding, row: SealedRow, mac: Buffer): void {
  const values = new Map<string, unknown>();
  for (const column of Object.keys(row)) {
    const value = row[column];
    if (value === null || value === undefined || column === ROW_MAC) continue;
    // A copy of binary values: the entry must not follow a later change of the caller's buffer.
    values.set(column, value instanceof Uint8Array ? Buffer.from(value) : value);
  }
  const memo = memoOf(sealer);
  const key = memoKey(binding.table, mac);
  // Full: start again rather than drop the oldest one by one. Deleting from the front of a Map leaves
  // holes that every later `keys().next()` walks over, so a pass over more rows than the capacity (an
  // export of 200,000 record and version rows) became quadratic. The memo only spares HMACs: an entry
  // lost is one HMAC recomputed, never a row trusted without its check.
  if (!memo.has(key) && memo.size >= VERIFIED_CAPACITY) memo.clear();
  memo.set(key, { values });
}

/**
 * The row's entry when it carries the MAC of its current content (constant-time compare on a full
 * check), otherwise undefined.
 */
export function verifiedRow(
  sealer: RowSealer,
  binding: TableBinding,
  row: SealedRow,
): VerifiedRow | undefined {
  const stored = row[ROW_MAC];
  if (!(stored instanceof Uint8Array) || stored.length !== 32 || row[ROW_SEQ] === null) return undefined;
  const memo = memoOf(sealer);
  const key = memoKey(binding.table, stored);
  const known = memo.get(key);
  if (known !== undefined && sameValues(known, row)) return known;
  const mac = computeRowMac(sealer, binding, row);
  if (!timingSafeEqual(stored, mac)) return undefined;
  rememberRowMac(sealer, binding, row, mac);
  return memo.get(key);
}

/** True when the row carries the MAC of its current content. */
export function rowMacHolds(sealer: RowSealer, binding: TableBinding, row: SealedRow): boolean {
  return verifiedRow(sealer, binding, row) !== undefined;
}
