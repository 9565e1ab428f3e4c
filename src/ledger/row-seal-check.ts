import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { type RowSealer, rowKeyOf, rowMacHolds } from './row-seal.js';
import { rowStanding, SealLedger, tableRows } from './row-seal-ledger.js';
import { rowId } from './row-trust.js';
import type { TableBinding } from './table-binding.js';

/**
 * The shapes of V's verify seam (src/ledger/check.ts on i-verify), repeated here until the branches
 * merge: `rowSealCheck(...)` is a CheckFactory (each call a fresh LedgerCheck). Once check.ts is here,
 * these become `import type { CheckFactory, CheckContext, Finding } from './check.js'`.
 */
export interface RowSealFinding {
  readonly table: string;
  readonly row: string;
  readonly kind: 'modified' | 'deleted' | 'inserted';
  readonly detail: string;
}
export interface RowSealCheckContext {
  readonly db: Kysely<Database>;
  find(f: RowSealFinding): void;
  count?(what: string, n: number): void;
}
export interface RowSealLedgerCheck {
  readonly name: string;
  readonly tables: readonly string[];
  collect(event: { readonly seq: unknown; readonly action: string; readonly row_seals?: unknown }): void;
  finish(ctx: RowSealCheckContext): Promise<void>;
}

/**
 * verify's check of every row-sealed table (issue #17): each row's MAC must hold and equal the latest
 * seal the ledger holds for it; a row the ledger sealed last must still exist. A bad or absent MAC is
 * 'modified' / 'inserted', a seal that differs 'modified' (an older row restored), a row the ledger
 * never sealed (or sealed as deleted) 'inserted', a sealed row that is gone 'deleted'. Rows are named
 * by table and primary key only (never their content).
 */
export function rowSealCheck(
  sealer: RowSealer,
  bindings: () => readonly TableBinding[],
): () => RowSealLedgerCheck {
  return () => {
    const ledger = new SealLedger();
    const sealed = () => bindings().filter((b) => b.how === 'row-seal');
    return {
      name: 'row seals',
      get tables() {
        return sealed().map((b) => b.table);
      },
      collect: (event) => ledger.collect(event),
      async finish(ctx) {
        const seen = new Set<string>();
        for (const binding of sealed()) {
          const rows = await tableRows(ctx.db, binding.table);
          ctx.count?.(`${binding.table} rows`, rows.length);
          for (const row of rows) {
            const key = rowKeyOf(binding, row);
            const id = rowId(binding.table, key);
            seen.add(id);
            const name = JSON.stringify(key);
            const find = (kind: RowSealFinding['kind'], detail: string) =>
              ctx.find({ table: binding.table, row: name, kind, detail });
            const standing = rowStanding(sealer, binding, row, ledger);
            if (standing === 'no-mac') find('inserted', 'the row has no row MAC');
            else if (!rowMacHolds(sealer, binding, row)) find('modified', 'the row MAC does not hold');
            else if (standing === 'not-in-ledger') find('inserted', 'no event sealed this row');
            else if (standing === 'differs') find('modified', 'the row differs from its ledger seal');
          }
          const prefix = rowId(binding.table, []).slice(0, -2);
          for (const [id, seal] of ledger.seals) {
            if (seal === null || seen.has(id) || !id.startsWith(prefix)) continue;
            ctx.find({
              table: binding.table,
              row: id.slice(prefix.length),
              kind: 'deleted',
              detail: 'a row the ledger sealed is gone',
            });
          }
        }
      },
    };
  };
}
