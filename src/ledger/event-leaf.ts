import { canonicalJson } from '../core/canonical-json.js';
import type { AuditEventTable } from '../storage/schema.js';

/**
 * The leaf of an audit event: the UTF-8 bytes of "trialvault-event/v1\n" followed by the canonical JSON
 * (docs/ledger.md) of every column of the event. The event holds no plaintext protected value, so a
 * leaf, and any proof over it, can be shown to anyone.
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
>;

export function eventLeaf(row: EventRow): Buffer {
  let details: unknown;
  try {
    details = JSON.parse(row.details);
  } catch {
    // A details column that is not JSON was altered; hash it as text so the leaf still differs.
    details = { unparsable: row.details };
  }
  const body = canonicalJson({
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    action: row.action,
    outcome: row.outcome,
    study: row.study_id,
    participant: row.participant_id,
    record: row.record_id,
    target: row.target,
    reason: row.reason,
    client: row.client,
    details,
  });
  return Buffer.from(LEAF_LABEL + body, 'utf8');
}
