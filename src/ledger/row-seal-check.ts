import { sql } from 'kysely';
import type { CheckContext, CheckFactory, LedgerCheck, StoredEvent } from './check.js';
import { ledgerSeal, ROW_MAC, type RowSealer, rowKeyOf, rowMacHolds, type SealedRow } from './row-seal.js';
import { parseRowSeals } from './row-seal-store.js';
import type { TableBinding } from './table-binding.js';

/** The audit action that sealed every existing row once (from then on, an unsealed row is tampered). */
export const ROWS_SEALED = 'ledger.rows-sealed';

interface Latest {
  readonly seal: string | null;
  readonly seq: number;
}

const idOf = (table: string, key: unknown) => `${table}\u0000${JSON.stringify(key)}`;

/**
 * The row seals (issue #17; docs/ledger.md): for every 'row-seal' table, each row's MAC must hold and
 * its columns (volatile ones aside) must be the latest seal an event carries for it. A bad or absent
 * MAC is a row changed ('modified') or written ('inserted') outside TrialVault; a valid MAC under an
 * older seal is an older row restored ('modified'); a sealed row gone is 'deleted'; a row no event
 * sealed, or sealed as deleted, is 'inserted' (21 CFR 11.10(e); ASVS 1.x).
 */
export function rowSealCheck(sealer: RowSealer, bindings: () => readonly TableBinding[]): CheckFactory {
  return (): LedgerCheck => {
    const sealed = bindings().filter((b) => b.how === 'row-seal');
    const names = new Set(sealed.map((b) => b.table));
    const latest = new Map<string, Latest>();
    let sealedAll = false;
    const sealedTables = new Set<string>();
    return {
      name: 'row-seals',
      tables: sealed.map((b) => b.table),
      collect(event: StoredEvent) {
        if (event.action === ROWS_SEALED) sealedAll = true;
        if (event.row_seals === null) return;
        for (const [table, key, seal] of parseRowSeals(event.row_seals)) {
          latest.set(idOf(table, key), { seal, seq: Number(event.seq) });
          sealedTables.add(table);
        }
      },
      async finish(ctx: CheckContext) {
        let rows = 0;
        for (const binding of sealed)
          rows += await checkTable(
            ctx,
            sealer,
            binding,
            latest,
            sealedAll || sealedTables.has(binding.table),
          );
        for (const [id, entry] of latest) {
          if (entry.seal === null) continue;
          const [table, key] = id.split('\u0000') as [string, string];
          if (!names.has(table)) continue; // a table no longer row-sealed is not this check's
          ctx.find({ table, row: key, kind: 'deleted', detail: `its seal (event ${entry.seq}) remains` });
        }
        ctx.count('sealed rows', rows);
      },
    };
  };
}

async function checkTable(
  ctx: CheckContext,
  sealer: RowSealer,
  binding: TableBinding,
  latest: Map<string, Latest>,
  /** The ledger has sealed rows of this table (or all rows once): an unsealed row is no longer legacy. */
  sealedAll: boolean,
): Promise<number> {
  const { rows } = await sql<SealedRow>`select * from ${sql.table(binding.table)}`.execute(ctx.db);
  for (const row of rows) {
    const key = rowKeyOf(binding, row);
    const id = idOf(binding.table, key);
    const entry = latest.get(id);
    latest.delete(id);
    const where = { table: binding.table, row: JSON.stringify(key) };
    // A store from before issue #17: until the one-time sealing event, or the first event sealing a
    // row of this table, its rows carry no MAC yet. From then on an unsealed row is tampering.
    if (!sealedAll && entry === undefined && row[ROW_MAC] === null) continue;
    if (entry === undefined || entry.seal === null) {
      ctx.find({ ...where, kind: 'inserted', detail: 'no event sealed this row' });
    } else if (!rowMacHolds(sealer, binding, row)) {
      ctx.find({ ...where, kind: 'modified', detail: 'its row MAC does not hold' });
    } else if (ledgerSeal(sealer, binding, row) !== entry.seal) {
      ctx.find({ ...where, kind: 'modified', detail: `differs from its seal in event ${entry.seq}` });
    }
  }
  return rows.length;
}
