import { AUDIT_SEQUENCE } from '../ledger/audit-repo.js';
import type { CheckContext, LedgerCheck, StoredEvent } from '../ledger/check.js';
import { ACCESS_EPOCH } from '../storage/migrations/0004-access-epoch.js';

/** The counter rows TrialVault keeps; any other row was written outside it. */
const known = (name: string) =>
  name === AUDIT_SEQUENCE || name === ACCESS_EPOCH || name.startsWith('subject/');

/**
 * The audit sequence counter against the log (issue #17; docs/ledger.md): `audit_seq` is the number of
 * events appended, so it must equal the log's length. Lowered, the next change collides with an event
 * and fails; raised, the next event leaves a gap; either way it is reported now, not at the next write.
 * The other counter rows are excluded by design (vault-bindings.ts gives the reasons); a row of a name
 * TrialVault never keeps is reported as inserted.
 */
export function countersCheck(): LedgerCheck {
  let events = 0;
  return {
    name: 'counters',
    tables: ['counters'],
    collect: (event: StoredEvent) => {
      events = Math.max(events, Number(event.seq) + 1);
    },
    finish: async (ctx: CheckContext) => {
      const rows = await ctx.db.selectFrom('counters').select(['name', 'value']).execute();
      for (const other of rows.filter((r) => !known(r.name)))
        ctx.find({
          table: 'counters',
          row: other.name,
          kind: 'inserted',
          detail: 'not a counter TrialVault keeps',
        });
      const row = rows.find((r) => r.name === AUDIT_SEQUENCE);
      const where = { table: 'counters', row: AUDIT_SEQUENCE };
      if (row === undefined) {
        if (events > 0) ctx.find({ ...where, kind: 'deleted', detail: `the log has ${events} events` });
      } else if (Number(row.value) !== events) {
        ctx.find({
          ...where,
          kind: 'modified',
          detail: `it says ${row.value} events; the log has ${events}`,
        });
      }
      ctx.count('counters', rows.length);
    },
  };
}
