import type { Kysely } from 'kysely';
import type { Finding } from '../ledger/verify.js';
import type { AuditEventTable, Database } from '../storage/schema.js';

/** The audit sequence counter (audit/repo.ts AUDIT_SEQUENCE); vault/ sits below audit/. */
const AUDIT_SEQ = 'audit_seq';

/**
 * The counters check for `verify` (issue #17; the LedgerCheck shape of ledger/check.ts): `audit_seq`
 * must be the number of events. Lowered, the next event would collide with an existing one; raised, the
 * next one would leave a gap. The other counters are excluded by design (vault-bindings.ts).
 * Register it in app/ledger-checks.ts once that seam is merged: `countersCheck`.
 */
export function countersCheck() {
  let events = 0;
  return {
    name: 'counters',
    tables: ['counters'] as const,
    collect(event: Pick<AuditEventTable, 'seq'>): void {
      events = Math.max(events, Number(event.seq) + 1);
    },
    async finish(ctx: { readonly db: Kysely<Database>; find(f: Finding): void }): Promise<void> {
      const row = await ctx.db
        .selectFrom('counters')
        .select('value')
        .where('name', '=', AUDIT_SEQ)
        .executeTakeFirst();
      if (row === undefined) {
        if (events > 0)
          ctx.find({
            table: 'counters',
            row: AUDIT_SEQ,
            kind: 'deleted',
            detail: 'the event counter is gone',
          });
        return;
      }
      if (Number(row.value) !== events)
        ctx.find({
          table: 'counters',
          row: AUDIT_SEQ,
          kind: 'modified',
          detail: `it says ${Number(row.value)} events; the log holds ${events}`,
        });
    },
  };
}
