import { onPostgres } from '../storage/dialect.js';
import { schemaChangesOf } from '../storage/schema-guard.js';
import type { FindingKind, LedgerCheck } from './check.js';

const KIND: Readonly<Record<string, FindingKind>> = {
  added: 'inserted',
  removed: 'deleted',
  changed: 'modified',
};

/**
 * The schema itself: every trigger, rule, function, default, constraint and table is the one the
 * migrations created (storage/schema-definition.ts). A trigger put in by hand could rewrite a row
 * inside the application's own change, which would then seal it (review s13; docs/ledger.md).
 */
export const schemaCheck = (): LedgerCheck => ({
  name: 'schema',
  tables: ['schema'],
  async finish(ctx) {
    const changes = await schemaChangesOf(ctx.db, onPostgres(ctx.db) ? 'postgres' : 'sqlite');
    for (const change of changes) {
      const at = change.lastIndexOf(' ');
      ctx.find({
        table: 'schema',
        row: change.slice(0, at),
        kind: KIND[change.slice(at + 1)] ?? 'modified',
        detail: 'not as the migrations created it: remove what was added by hand or restore from a backup',
      });
    }
    ctx.count('schema changes', changes.length);
  },
});
