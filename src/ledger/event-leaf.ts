import { canonicalJson } from '../core/canonical-json.js';
import type { AuditEventTable } from '../storage/schema.js';

/**
 * The leaf of an audit event: the UTF-8 bytes of "trialvault-event/v1\n" followed by the canonical JSON
 * (docs/ledger.md) of every column of the event. The event holds no plaintext protected value; who may
 * read it over the API is still scoped like the audit trail (src/audit/ledger-access.ts).
 */
export const LEAF_LABEL = 'trialvault-event/v1\n';

export type EventRow = Pick<
  AuditEventTable,
  | 'seq'
  | 'at'
  | 'actor'
  | 'action'
  | 'outcome'
  | 'study_id'
  | 'participant_id'
  | 'record_id'
  | 'target'
  | 'reason'
  | 'client'
  | 'details'
> & {
  /** The ledger seals of the rows the event wrote (ledger/row-seal-store.ts); absent or null: none. */
  readonly row_seals?: string | null;
};

/**
 * The row seals member, exactly as stored (JSON text), only when the event has one: the leaves of events
 * written before row seals (and of events that wrote no sealed row) are unchanged.
 */
function rowSeals(value: string | null | undefined): string {
  return value === null || value === undefined ? '' : `"row_seals":${JSON.stringify(value)},`;
}

export function eventLeaf(row: EventRow): Buffer {
  let details: unknown;
  try {
    details = JSON.parse(row.details);
  } catch {
    // A details column that is not JSON was altered; hash it as text so the leaf still differs.
    details = { unparsable: row.details };
  }
  // The members written in canonical (sorted) order directly: the same bytes as canonicalJson of the
  // object, without sorting a dozen keys per event (verify hashes a million of them).
  const str = (v: string | null) => (v === null ? 'null' : JSON.stringify(v));
  const body =
    `{"action":${str(row.action)},"actor":${str(row.actor)},"at":${str(row.at)},"client":${str(row.client)},` +
    `"details":${canonicalJson(details)},"outcome":${str(row.outcome)},"participant":${str(row.participant_id)},` +
    `"reason":${str(row.reason)},"record":${str(row.record_id)},${rowSeals(row.row_seals)}` +
    `"seq":${canonicalJson(Number(row.seq))},` +
    `"study":${str(row.study_id)},"target":${str(row.target)}}`;
  return Buffer.from(LEAF_LABEL + body, 'utf8');
}
