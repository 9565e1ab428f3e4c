import type { Kysely } from 'kysely';
import { INSERT_CHUNK } from '../storage/insert-chunk.js';
import { insertRows } from '../storage/prepared-insert.js';
import type { Database } from '../storage/schema.js';
import {
  ROW_MAC,
  ROW_SEQ,
  type RowSealer,
  rememberRowMac,
  rowKeyOf,
  rowMacAndSeal,
  type SealedRow,
} from './row-seal.js';
import type { RowSealEntry } from './row-seal-store.js';
import { rowId } from './row-trust.js';
import type { TableBinding } from './table-binding.js';

/**
 * A row the ledger inserts for a change, sealed by the change's event (issue #17): its MAC and ledger
 * seal come from the values as written, so there is no read-back and no second write per row. For a
 * table whose every column is part of the key (a lookup token), a row already there with that key holds
 * the same values: left as it is by an append of new rows (`flush` with `keep`), otherwise resealed by
 * this event as a read-back seal would (it is checked on every read either way); a row with other columns
 * (a record, a record version) is new: the change fails if its key is already there. The row must name
 * every column of its table (null for an empty one): the MAC covers the row as stored.
 */
export type SealedInsert = readonly [binding: TableBinding, row: SealedRow];

/** What a stored key-only row takes from the one written again (see `flush`). */
const RESEAL = [ROW_SEQ, ROW_MAC];

function keyOnly(binding: TableBinding, values: SealedRow): boolean {
  for (const column of Object.keys(values)) if (!binding.key.includes(column)) return false;
  return true;
}

/** The rows of one append waiting to be inserted, per table, the latest event's copy of a key winning. */
export class PendingInserts {
  readonly #tables = new Map<TableBinding, Map<string, SealedRow>>();
  readonly #fresh = new Set<TableBinding>();
  readonly marks: Array<[id: string, seq: number, table: string]> = [];

  get size(): number {
    return this.#tables.size;
  }

  /** Seals `inserts` under event `seq`: their ledger entries, and the rows to write (`flush`). */
  seal(sealer: RowSealer, seq: number, inserts: readonly SealedInsert[]): RowSealEntry[] {
    const entries: RowSealEntry[] = [];
    for (const [binding, values] of inserts) {
      const key = rowKeyOf(binding, values);
      const id = rowId(binding.table, key);
      if (!this.#fresh.has(binding) && !keyOnly(binding, values)) this.#fresh.add(binding);
      // Object.assign, not a spread: V8's spread clone costs microseconds per row here (Node 20).
      const row = Object.assign({}, values, { [ROW_SEQ]: seq });
      const { mac, seal } = rowMacAndSeal(sealer, binding, row);
      // A new record or version is read back by the next request: its check is then a comparison.
      if (this.#fresh.has(binding)) rememberRowMac(sealer, binding, row, mac);
      let rows = this.#tables.get(binding);
      if (rows === undefined) {
        rows = new Map();
        this.#tables.set(binding, rows);
      }
      rows.delete(id);
      // The row is this append's own copy; the MAC joins it once sealed (sealing skips it anyway).
      (row as Record<string, unknown>)[ROW_MAC] = mac;
      rows.set(id, row);
      this.marks.push([id, seq, binding.table]);
      entries.push([binding.table, key, seal]);
    }
    return entries;
  }

  /**
   * Writes the pending rows: multi-row inserts. A key-only row whose key is already stored takes this
   * row_seq and MAC; with `keep`, it is left as it is instead, and its id is in the answer: its event
   * must then neither seal it nor raise its mark (see `appendAuditEvents`).
   */
  async flush(trx: Kysely<Database>, keep = false): Promise<ReadonlySet<string>> {
    const kept = new Set<string>();
    for (const [binding, byId] of this.#tables) {
      const rows = [...byId.values()];
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        if (this.#fresh.has(binding)) {
          await insertRows(trx, binding.table, chunk);
          continue;
        }
        if (keep) {
          const inserted = new Set<string>();
          const written = await insertRows(trx, binding.table, chunk, { kind: 'keep', key: binding.key });
          for (const row of written) inserted.add(rowId(binding.table, rowKeyOf(binding, row as SealedRow)));
          for (const row of chunk) {
            const id = rowId(binding.table, rowKeyOf(binding, row));
            if (!inserted.has(id)) kept.add(id);
          }
          continue;
        }
        await insertRows(trx, binding.table, chunk, { kind: 'replace', key: binding.key, set: RESEAL });
      }
    }
    this.#tables.clear();
    this.#fresh.clear();
    return kept;
  }
}
