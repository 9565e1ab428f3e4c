import { err, ok, type Result } from '../core/result.js';
import {
  type AuditEventRow,
  type StoredEventRow,
  type StudyEventsOptions,
  selectAuditEvents,
  selectStudyAuditEvents,
  toAuditEventRow,
} from '../ledger/audit-repo.js';
import { eventLeaf } from '../ledger/event-leaf.js';
import { AUDIT_EVENTS } from '../ledger/ledger-bindings.js';
import { leafHash } from '../ledger/merkle.js';
import { storedMacHolds } from '../ledger/stored-mac.js';
import { provenLeaf } from '../ledger/witness-check.js';
import type { VaultDeps } from '../vault/deps.js';
import { reportTamper } from './row-tamper.js';

/**
 * Events shown in an audit view only when each one's leaf MAC holds (issue #17): an actor, reason or
 * any other column rewritten in SQL is refused with ROW_TAMPERED, audited and alerted, never shown.
 * One SHA-256 and one HMAC per event shown. Events before migration 0002 carry no MAC: one is shown
 * only inside the prefix of the log the witness proved when the vault opened (witness-check.ts), never
 * on the strength of stored rows a database administrator controls (review r17, R17-2).
 */
export async function trustEvents(
  deps: VaultDeps,
  rows: readonly StoredEventRow[],
): Promise<Result<AuditEventRow[]>> {
  const forged = untrustedEvent(deps, rows);
  // Named in the report by its leaf MAC: each forged event is reported once.
  if (forged !== undefined) return err(await reportTamper(deps, AUDIT_EVENTS, forged));
  return ok(rows.map(toAuditEventRow));
}

/**
 * The first event whose leaf MAC does not hold, as a row named by its leaf MAC (what reportTamper and
 * TamperedRowError take), or undefined when every event may be used.
 */
export function untrustedEvent(
  deps: Pick<VaultDeps, 'db' | 'keyring'>,
  rows: readonly StoredEventRow[],
): (StoredEventRow & { readonly row_mac: Buffer | null }) | undefined {
  for (const row of rows) {
    const hash = leafHash(eventLeaf(row));
    if (row.leaf_mac === null) {
      // Only inside the prefix the witness proved at start, with the proven leaf hash (review r17).
      if (provenLeaf(deps.db, Number(row.seq), hash)) continue;
    } else if (storedMacHolds(deps.keyring.eventMac(hash), row.leaf_mac)) continue;
    return { ...row, row_mac: row.leaf_mac };
  }
  return undefined;
}

export async function trustedAuditEvents(
  deps: VaultDeps,
  filter: { readonly participantId?: string; readonly recordId?: string; readonly action?: string },
): Promise<Result<AuditEventRow[]>> {
  return trustEvents(deps, await selectAuditEvents(deps.db, filter));
}

export async function trustedStudyAuditEvents(
  deps: VaultDeps,
  studyId: string,
  options: StudyEventsOptions,
): Promise<Result<AuditEventRow[]>> {
  return trustEvents(deps, await selectStudyAuditEvents(deps.db, studyId, options));
}
