import {
  type Condition,
  Increment,
  type Predicted,
  UNKNOWN,
  type WriteEntry,
  writeImage,
} from '../storage/write-image.js';
import { canonicalValue, ROW_MAC, ROW_SEQ, type SealedRow } from './row-seal.js';
import type { TableBinding } from './table-binding.js';

const GONE = Symbol('gone');
const MAYBE_GONE = Symbol('maybe gone');

/** A value as the row MAC sees it (row-seal.ts): equal here exactly when the sealed bytes are. */
function canonical(v: unknown): string {
  try {
    return JSON.stringify(canonicalValue(v));
  } catch {
    return `?${String(v)}`;
  }
}

function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

type Truth = 'yes' | 'maybe' | 'no';

function holds(c: Condition, now: unknown): Truth {
  if (now === UNKNOWN || now instanceof Increment) return 'maybe';
  if (c.op === '=' || c.op === 'is') return same(now, c.value) ? 'yes' : 'no';
  if (c.op === 'in') return (c.value as unknown[]).some((v) => same(now, v)) ? 'yes' : 'no';
  if (c.op === '!=' || c.op === '<>') return now === null || same(now, c.value) ? 'no' : 'yes';
  if (now === null || c.value === null || typeof c.value !== typeof now) return 'maybe';
  const [x, y] = [now as number | string, c.value as number | string];
  const answer = c.op === '<' ? x < y : c.op === '<=' ? x <= y : c.op === '>' ? x > y : x >= y;
  return answer ? 'yes' : 'no';
}

/** Whether `write` touched the row: its key, then what the row holds (predicted, else as stored). */
function applies(
  write: WriteEntry,
  binding: TableBinding,
  key: readonly unknown[],
  row: Map<string, Predicted> | undefined,
  stored: SealedRow | undefined,
): Truth {
  let answer: Truth = write.complete ? 'yes' : 'maybe';
  for (const column of binding.key)
    if (!write.where.some((c) => c.column === column && (c.op === '=' || c.op === 'in'))) answer = 'maybe';
  for (const c of write.where) {
    const i = binding.key.indexOf(c.column);
    const now = i >= 0 ? key[i] : row?.has(c.column) ? row.get(c.column) : UNKNOWN;
    const truth = holds(c, now);
    if (truth === 'no') return 'no';
    if (truth === 'maybe') answer = 'maybe';
  }
  // A delete whose every condition the row as stored meets: it would have been deleted.
  if (answer === 'maybe' && write.kind === 'delete' && write.complete && stored !== undefined) {
    const asStored = write.where.map((c) => {
      const i = binding.key.indexOf(c.column);
      return holds(c, i >= 0 ? key[i] : stored[c.column]);
    });
    if (asStored.every((t) => t === 'yes')) return 'yes';
  }
  return answer;
}

function set(row: Map<string, Predicted>, sets: ReadonlyMap<string, Predicted>, known: boolean): void {
  const next = new Map<string, Predicted>();
  for (const [column, value] of sets) {
    if (!known) next.set(column, UNKNOWN);
    else if (value instanceof Increment) {
      const before = row.get(value.column);
      const n = typeof before === 'string' || typeof before === 'number' ? Number(before) : Number.NaN;
      next.set(column, Number.isFinite(n) ? n + value.by : UNKNOWN);
    } else next.set(column, value);
  }
  for (const [column, value] of next) row.set(column, value);
}

type Prediction = Map<string, Predicted> | typeof GONE | typeof MAYBE_GONE | undefined;

/** The row after an insert of `inserted` with its key, and whether every column is predicted. */
function afterInsert(
  row: Prediction,
  whole: boolean,
  inserted: Readonly<Record<string, unknown>>,
  conflict: WriteEntry['conflict'],
): [Prediction, boolean] {
  const fresh = new Map<string, Predicted>(Object.entries(inserted));
  if (conflict === undefined || row === GONE) return [fresh, true];
  if (row instanceof Map) {
    // The row was there: the conflict rule decides.
    if (!conflict.doNothing) set(row, conflict.sets, true);
    return [row, whole];
  }
  if (conflict.doNothing) return [undefined, false];
  // There or not: what the insert and the update would both write is known.
  const both = new Map<string, Predicted>();
  for (const [column, value] of conflict.sets)
    both.set(column, !(value instanceof Increment) && same(value, inserted[column]) ? value : UNKNOWN);
  return [both, false];
}

/**
 * The row a change must have left, from the row it read locked before writing (its base) and its own
 * writes (storage/write-image.ts), compared with the row as stored before it is sealed: the first
 * column that differs, `row` when it is there or gone against the change's writes, undefined when it
 * is what the change wrote or cannot be predicted (review s13: a row rewritten inside the change by a
 * trigger, rule, index expression or view put in by hand would otherwise be sealed with it). Without a
 * base, a write that names the row's key still predicts what it set (or that the row is gone).
 */
export function rewrittenColumn(
  binding: TableBinding,
  key: readonly unknown[],
  keyId: string,
  stored: SealedRow | undefined,
): string | undefined {
  const image = writeImage();
  if (image === undefined) return undefined;
  const base = image.baseOf(binding.table, keyId);
  let row: Prediction = base === undefined ? undefined : new Map(Object.entries(base));
  // Whether every column of the row is predicted (a base or an insert), or only those written.
  let whole = base !== undefined;
  for (const write of image.writes) {
    if (write.table !== binding.table) continue;
    if (write.kind === 'insert') {
      const inserted = write.rows?.find((r) => binding.key.every((c, i) => same(r[c], key[i])));
      if (write.rows === undefined) [row, whole] = [undefined, false];
      else if (inserted !== undefined) [row, whole] = afterInsert(row, whole, inserted, write.conflict);
      continue;
    }
    const current: Map<string, Predicted> | undefined = row instanceof Map ? row : undefined;
    if (row === GONE || row === MAYBE_GONE) continue;
    const how = applies(write, binding, key, current, stored);
    if (how === 'no') continue;
    if (write.kind === 'delete') {
      row = how === 'yes' ? GONE : current === undefined ? row : MAYBE_GONE;
      continue;
    }
    if (current === undefined) {
      if (how !== 'yes') continue;
      row = new Map();
    }
    set(row as Map<string, Predicted>, write.sets, how === 'yes');
  }
  if (row === undefined || row === MAYBE_GONE) return undefined;
  if (row === GONE) return stored === undefined ? undefined : 'row';
  if (stored === undefined) return whole ? 'row' : undefined;
  for (const [column, value] of row) {
    if (column === ROW_SEQ || column === ROW_MAC || value === UNKNOWN || value instanceof Increment) continue;
    if (!same(stored[column], value)) return column;
  }
  return undefined;
}
