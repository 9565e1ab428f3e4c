import { type Kysely, sql } from 'kysely';
import { INSERT_CHUNK } from '../storage/insert-chunk.js';
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
import { rowId, untrustedRow } from './row-trust.js';
import type { TableBinding } from './table-binding.js';

/**
 * A row the ledger inserts for a change, sealed by the change's event (issue #17): its MAC and ledger
 * seal come from the values as written, so there is no read-back and no second write per row. For a
 * table whose every column is part of the key (a lookup token), a row already there with that key holds
 * the same values and is resealed by this event as a read-back seal would; a row with other columns
 * (a record, a record version) is new: the change fails if its key is already there. The row must name
 * every column of its table (null for an empty one): the MAC covers the row as stored.
 */
export type SealedInsert = readonly [binding: TableBinding, row: SealedRow];

function keyOnly(binding: TableBinding, values: SealedRow): boolean {
  for (const column of Object.keys(values)) if (!binding.key.includes(column)) return false;
  return true;
}

const KEY_CHUNK = 100;

/**
 * The rows of key-only tables (lookup tokens) among `inserts` that are already stored with a MAC that
 * holds and no mark or distrust against them. Such a row holds exactly the values the insert would
 * write, and the ledger already seals it: sealing it again under every event that carries it (each
 * record of a participant carries the same tokens) rewrote the row, its MAC and its seal for nothing
 * (issue #17, `bench -- core`). A stored row that fails its check is not listed: the event seals it
 * again, as before. Read inside the writing transaction, so no other writer changes it meanwhile.
 */
export async function storedKeyRows(
  trx: Kysely<Database>,
  sealer: RowSealer,
  inserts: readonly SealedInsert[],
): Promise<ReadonlySet<string>> {
  const wanted = new Map<TableBinding, Map<string, SealedRow>>();
  for (const [binding, values] of inserts) {
    if (!keyOnly(binding, values)) continue;
    let rows = wanted.get(binding);
    if (rows === undefined) {
      rows = new Map();
      wanted.set(binding, rows);
    }
    rows.set(rowId(binding.table, rowKeyOf(binding, values)), values);
  }
  const stored = new Set<string>();
  for (const [binding, rows] of wanted) {
    const keys = [...rows.values()];
    for (let i = 0; i < keys.length; i += KEY_CHUNK) {
      const chunk = keys.slice(i, i + KEY_CHUNK);
      const found = (await trx
        .selectFrom(binding.table as 'participant_lookup')
        .selectAll()
        .where((eb) =>
          eb.or(chunk.map((k) => eb.and(binding.key.map((c) => eb(c as never, '=', k[c] as never))))),
        )
        .execute()) as SealedRow[];
      for (const row of found) {
        if (untrustedRow(trx, sealer, binding, [row]) === undefined) {
          stored.add(rowId(binding.table, rowKeyOf(binding, row)));
        }
      }
    }
  }
  return stored;
}

/** The rows of one append waiting to be inserted, per table, the latest event's copy of a key winning. */
export class PendingInserts {
  readonly #tables = new Map<TableBinding, Map<string, SealedRow>>();
  readonly #fresh = new Set<TableBinding>();
  readonly marks: Array<[id: string, seq: number, table: string]> = [];

  get size(): number {
    return this.#tables.size;
  }

  /**
   * Seals `inserts` under event `seq`: their ledger entries, and the rows to write (`flush`). Rows of
   * `stored` (storedKeyRows) are already there and sound: left as they are, neither written nor sealed.
   */
  seal(
    sealer: RowSealer,
    seq: number,
    inserts: readonly SealedInsert[],
    stored?: ReadonlySet<string>,
  ): RowSealEntry[] {
    const entries: RowSealEntry[] = [];
    for (const [binding, values] of inserts) {
      const key = rowKeyOf(binding, values);
      const id = rowId(binding.table, key);
      if (stored?.has(id) === true) continue;
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

  /** Writes the pending rows: multi-row inserts; a key already stored takes this row_seq and MAC. */
  async flush(trx: Kysely<Database>): Promise<void> {
    for (const [binding, byId] of this.#tables) {
      const rows = [...byId.values()];
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const insert = trx
          .insertInto(binding.table as 'participant_lookup')
          .values(rows.slice(i, i + INSERT_CHUNK) as never[]);
        if (this.#fresh.has(binding)) {
          await insert.execute();
          continue;
        }
        await insert
          .onConflict((oc) =>
            oc.columns(binding.key as never[]).doUpdateSet({
              row_seq: sql.ref(`excluded.${ROW_SEQ}`),
              row_mac: sql.ref(`excluded.${ROW_MAC}`),
            } as never),
          )
          .execute();
      }
    }
    this.#tables.clear();
    this.#fresh.clear();
  }
}
