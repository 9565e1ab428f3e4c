import { type Predicted, UNKNOWN, type WriteEntry, writeImage } from '../storage/write-image.js';
import { ROW_MAC, ROW_SEQ, type SealedRow } from './row-seal.js';
import type { TableBinding } from './table-binding.js';

const GONE = Symbol('gone');
const MAYBE_GONE = Symbol('maybe gone');

/** One form for a value written and the same value read back (either dialect's driver). */
function same(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (v instanceof Uint8Array) return `x${Buffer.from(v).toString('hex')}`;
    if (typeof v === 'boolean') return v ? '1' : '0';
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    if (v instanceof Date) return v.toISOString();
    if (typeof v === 'string') return v;
    return JSON.stringify(v);
  };
  return norm(a) === norm(b);
}

type Applies = 'yes' | 'maybe' | 'no';

function applies(
  write: WriteEntry,
  binding: TableBinding,
  key: readonly unknown[],
  row: Map<string, Predicted>,
) {
  let answer: Applies = 'yes';
  for (const [column, value] of write.where) {
    const i = binding.key.indexOf(column);
    const now = i >= 0 ? key[i] : row.get(column);
    if (now === UNKNOWN || (i < 0 && !row.has(column))) answer = 'maybe';
    else if (!same(now, value)) return 'no';
  }
  for (const column of binding.key) if (!write.where.has(column)) answer = 'maybe';
  return answer;
}

/**
 * The row a change must have left, from the row it read locked before writing and its own writes
 * (storage/write-image.ts), compared with the row as stored before it is sealed: the first column
 * that differs, `row` when it is there or gone against the change's writes, undefined when it is what
 * the change wrote or cannot be predicted (review s13: a row rewritten inside the change by a trigger,
 * rule, index expression or view put in by hand would otherwise be sealed with it).
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
  let row: Map<string, Predicted> | typeof GONE | typeof MAYBE_GONE | undefined =
    base === undefined ? undefined : new Map(Object.entries(base));
  for (const write of image.writes) {
    if (write.table !== binding.table) continue;
    if (write.kind === 'insert') {
      const inserted = write.rows?.find((r) => binding.key.every((c, i) => same(r[c], key[i])));
      if (write.rows === undefined) row = undefined;
      else if (inserted !== undefined) row = new Map(Object.entries(inserted));
      continue;
    }
    if (row === undefined || row === GONE || row === MAYBE_GONE) continue;
    const how = applies(write, binding, key, row);
    if (how === 'no') continue;
    if (write.kind === 'delete') {
      row = how === 'yes' ? GONE : MAYBE_GONE;
      continue;
    }
    for (const [column, value] of write.sets) row.set(column, how === 'yes' ? value : UNKNOWN);
  }
  if (row === undefined || row === MAYBE_GONE) return undefined;
  if (row === GONE) return stored === undefined ? undefined : 'row';
  if (stored === undefined) return 'row';
  for (const [column, value] of row) {
    if (column === ROW_SEQ || column === ROW_MAC || value === UNKNOWN) continue;
    if (!same(stored[column], value)) return column;
  }
  return undefined;
}
