import type { Kysely } from 'kysely';
import { readTickOf } from '../storage/read-tick.js';
import type { Database } from '../storage/schema.js';
import { MarkTable } from './mark-table.js';
import {
  ROW_SEQ,
  type RowSealer,
  rowKeyOf,
  type SealedRow,
  type VerifiedRow,
  verifiedRow,
} from './row-seal.js';
import type { TableBinding } from './table-binding.js';

/**
 * Rows the vault distrusts although their MAC holds: at startup, rows whose ledger seal differs from the
 * latest seal in the ledger (an older valid row restored, e.g. an un-revoked token). Per store handle,
 * in memory: a restart recomputes them from the ledger (row-seal-projection.ts).
 */
const distrusted = new WeakMap<Kysely<Database>, Set<string>>();

/** A row's identity: table and canonical key (as `rowKeyOf` gives and row_seals entries carry). */
export function rowId(table: string, canonical: readonly unknown[]): string {
  return `${table}\u0000${JSON.stringify(canonical)}`;
}

export function distrustRows(db: Kysely<Database>, ids: Iterable<string>): void {
  let set = distrusted.get(db);
  if (set === undefined) {
    set = new Set();
    distrusted.set(db, set);
  }
  for (const id of ids) set.add(id);
}

function isDistrustedId(db: Kysely<Database>, id: string): boolean {
  const set = distrusted.get(db);
  return set !== undefined && set.size > 0 && set.has(id);
}

/**
 * High-water marks (issue #17 review, hole A): per vault (its sealer) and row, the highest row_seq this
 * process has seen committed, read or written. A row whose MAC holds but whose row_seq is lower is an
 * older row put back (a signed-out session restored): refused like a bad MAC. Other processes only ever
 * raise row_seq, so a mark is never above the row's true latest number. Bounded: the least recently
 * used marks go (mark-table.ts).
 */
const marks = new WeakMap<RowSealer, { readonly control: MarkTable; readonly bulk: MarkTable }>();
/**
 * Two tables per vault: the bulk of the data (BULK_TABLES: records, versions, lookup tokens,
 * participants and their keys, signatures) and every other checked table, the rows access and control
 * rest on (users, grants, tokens, sessions, recovery codes, passkeys, export approvals and downloads,
 * studies, forms...). An export or a long listing passes far more data rows than any table holds; kept
 * apart, it can never push out the mark of a revoked grant, a spent recovery code or a used approval
 * (which nobody reads again until someone restores it; review s9, S9-2). Control rows are few, so
 * their table is large enough never to turn over in use. Seeded at every start from the ledger
 * (`seedMark`, row-seal-startup.ts), so a restart forgets nothing (S9-1).
 */
const CONTROL_MARK_CAPACITY = 1_000_000;
const BULK_MARK_CAPACITY = 200_000;
const BULK_TABLES: ReadonlySet<string> = new Set([
  'records',
  'record_versions',
  'participant_lookup',
  'participants',
  'participant_keys',
  'signatures',
]);

function marksOf(sealer: RowSealer, table: string): MarkTable {
  let held = marks.get(sealer);
  if (held === undefined) {
    held = { control: new MarkTable(CONTROL_MARK_CAPACITY), bulk: new MarkTable(BULK_MARK_CAPACITY) };
    marks.set(sealer, held);
  }
  return BULK_TABLES.has(table) ? held.bulk : held.control;
}

/**
 * Raises a row's mark from the ledger, without counting as this process's write: at start for a row
 * that matches its latest ledger seal, and for the rows a newer event seals (ledger-tail.ts). An older
 * copy put back later is below the mark even though nothing here read or wrote the row.
 */
export function seedMark(sealer: RowSealer, table: string, id: string, seq: number): void {
  marksOf(sealer, table).raise(id, seq);
}

function seqOf(row: SealedRow): number | undefined {
  const seq = row[ROW_SEQ];
  if (typeof seq === 'number') return seq;
  if (typeof seq === 'string' || typeof seq === 'bigint') return Number(seq);
  return undefined;
}

/**
 * Tables the access caches depend on (the access-epoch triggers' tables, migration 0004): a committed
 * sealed write of one of them here advances `accessWrites`, so that an access cache drops its entries
 * even when the database epoch is set back to the value they were cached under (review hole C).
 */
const ACCESS_TABLES: ReadonlySet<string> = new Set([
  'users',
  'grants',
  'api_tokens',
  'break_glass',
  'sessions',
  'devices',
]);
let accessWriteCount = 0;

export function accessWrites(): number {
  return accessWriteCount;
}

/** Raises a row's mark to `seq` after a committed write of that row (of `table`). */
export function raiseMark(sealer: RowSealer, id: string, seq: number, table: string): void {
  if (ACCESS_TABLES.has(table)) accessWriteCount++;
  marksOf(sealer, table).raise(id, seq);
}

/**
 * Below the row's mark as it stood when the row's query was sent (storage/read-tick.ts): a read that
 * raced a commit is not an older row put back (review s13). A row not read by a query (built here) is
 * compared with the mark as it is now.
 */
function belowMark(sealer: RowSealer, table: string, row: SealedRow, id: string): boolean {
  const seq = seqOf(row);
  if (seq === undefined) return false;
  const tick = readTickOf(row);
  const held = marksOf(sealer, table);
  const mark = tick === undefined ? held.get(id) : held.at(id, tick);
  return mark !== undefined && seq < mark;
}

/** The row's identity, computed once per verified content (its key columns are part of it). */
function idOf(binding: TableBinding, row: SealedRow, entry: VerifiedRow): string {
  if (entry.id === undefined) entry.id = rowId(binding.table, rowKeyOf(binding, row));
  return entry.id;
}

/**
 * The first row that must not be honoured (issue #17): a row MAC that does not hold, or a row distrusted
 * at startup, or a row older than its high-water mark. One HMAC per row content first seen (row-seal.ts
 * remembers verified content by its MAC); undefined when every row may be used.
 */
export function untrustedRow<R extends SealedRow>(
  db: Kysely<Database>,
  sealer: RowSealer,
  binding: TableBinding,
  rows: readonly R[],
): R | undefined {
  const ids: string[] = [];
  for (const row of rows) {
    const entry = verifiedRow(sealer, binding, row);
    if (entry === undefined) return row;
    const id = idOf(binding, row, entry);
    if (isDistrustedId(db, id) || belowMark(sealer, binding.table, row, id)) return row;
    ids.push(id);
  }
  // Rows read inside a transaction may yet roll back: only committed reads raise the marks.
  if (!db.isTransaction) {
    const held = marksOf(sealer, binding.table);
    for (const [i, row] of rows.entries()) {
      const seq = seqOf(row);
      const id = ids[i];
      if (seq !== undefined && id !== undefined) held.raise(id, seq);
    }
  }
  return undefined;
}
