import { type Kysely, sql } from 'kysely';
import type { Database } from '../storage/schema.js';
import {
  labelledLedgerSeal,
  ledgerSeal,
  ROW_MAC,
  type RowSealer,
  rowKeyOf,
  type SealedRow,
} from './row-seal.js';
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

const PAGE = 2000;

/**
 * Every row of a table, a page at a time in primary key order (keyset: a row-value comparison, which
 * both dialects have): memory is bounded by the page, not the table (the record tables hold values).
 */
export async function* tablePages(
  db: Kysely<Database>,
  binding: TableBinding,
): AsyncGenerator<readonly SealedRow[]> {
  const key = sql.join(binding.key.map((c) => sql.ref(c)));
  let after: unknown[] | undefined;
  for (;;) {
    const where =
      after === undefined ? sql`` : sql`where (${key}) > (${sql.join(after.map((v) => sql`${v}`))})`;
    const page = (
      await sql<SealedRow>`select * from ${sql.table(binding.table)} ${where} order by ${key} limit ${PAGE}`.execute(
        db,
      )
    ).rows;
    if (page.length > 0) yield page;
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined) return;
    after = binding.key.map((c) => last[c]);
  }
}

/** Whether any row of the table carries a row MAC. */
export async function anyRowMac(db: Kysely<Database>, table: string): Promise<boolean> {
  const found = await sql`select 1 from ${sql.table(table)} where row_mac is not null limit 1`.execute(db);
  return found.rows.length > 0;
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
  if (latest === ledgerSeal(sealer, binding, row)) return undefined;
  // An event written before the seal of a table without volatile columns became its row MAC.
  if ((binding.volatile ?? []).length === 0 && latest === labelledLedgerSeal(sealer, binding, row))
    return undefined;
  return 'differs';
}
