import { type Kysely, sql } from 'kysely';
import type { Database } from '../storage/schema.js';
import { ledgerSeal, ROW_MAC, type RowSealer, rowKeyOf, type SealedRow } from './row-seal.js';
import { parseRowSeals } from './row-seal-store.js';
import { rowId } from './row-trust.js';
import type { TableBinding } from './table-binding.js';

/** The event that sealed the rows of a store made before row seals, once (issue #17). */
export const ROWS_SEALED = 'ledger.rows-sealed';

/** The event that sealed the existing rows of the record tables, once (issue #17, migration 0014). */
export const RECORDS_SEALED = 'ledger.records-sealed';

/** The one-time sealing events of tables sealed later than 0010 (TableBinding.sealedBy). */
const LATE_SEALS: readonly string[] = [RECORDS_SEALED];

/** The latest ledger seal of every row (null: deleted), from the events in sequence order. */
export class SealLedger {
  readonly seals = new Map<string, string | null>();
  rowsSealedAt: number | undefined;
  /** The late sealing events (LATE_SEALS) the ledger holds. */
  readonly lateSeals = new Set<string>();

  collect(event: { readonly seq: unknown; readonly action: string; readonly row_seals?: unknown }): void {
    if (event.action === ROWS_SEALED && this.rowsSealedAt === undefined)
      this.rowsSealedAt = Number(event.seq);
    if (LATE_SEALS.includes(event.action)) this.lateSeals.add(event.action);
    for (const [table, key, seal] of parseRowSeals(event.row_seals)) this.seals.set(rowId(table, key), seal);
  }

  static async read(db: Kysely<Database>): Promise<SealLedger> {
    const ledger = new SealLedger();
    const rows = await db
      .selectFrom('audit_events')
      .select(['seq', 'action', 'row_seals'])
      .where((eb) =>
        eb.or([eb('row_seals', 'is not', null), eb('action', 'in', [ROWS_SEALED, ...LATE_SEALS])]),
      )
      .orderBy('seq')
      .execute();
    for (const row of rows) ledger.collect(row);
    return ledger;
  }
}

export async function tableRows(db: Kysely<Database>, table: string): Promise<SealedRow[]> {
  return (await sql<SealedRow>`select * from ${sql.table(table)}`.execute(db)).rows;
}

/** How a stored row stands against the ledger: undefined when it is what the ledger last sealed. */
export function rowStanding(
  sealer: RowSealer,
  binding: TableBinding,
  row: SealedRow,
  ledger: SealLedger,
): 'no-mac' | 'not-in-ledger' | 'differs' | undefined {
  if (row[ROW_MAC] === null || row[ROW_MAC] === undefined) return 'no-mac';
  const latest = ledger.seals.get(rowId(binding.table, rowKeyOf(binding, row)));
  if (latest === undefined || latest === null) return 'not-in-ledger';
  return latest === ledgerSeal(sealer, binding, row) ? undefined : 'differs';
}
