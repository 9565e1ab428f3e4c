import type { Kysely } from 'kysely';
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
import type { Database } from '../storage/schema.js';
import type { VaultDeps } from '../vault/deps.js';
import { reportTamper } from './row-tamper.js';

/**
 * Per store handle, the first event that carries a leaf MAC: every event from it on was appended with
 * one (migration 0002), so a missing MAC there is an event rewritten in SQL with its MAC dropped.
 */
const macedFrom = new WeakMap<Kysely<Database>, number>();

async function firstMaced(db: Kysely<Database>): Promise<number> {
  let first = macedFrom.get(db);
  if (first === undefined) {
    const row = await db
      .selectFrom('audit_events')
      .select('seq')
      .where('leaf_mac', 'is not', null)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    first = row === undefined ? Number.MAX_SAFE_INTEGER : Number(row.seq);
    macedFrom.set(db, first);
  }
  return first;
}

/**
 * Events shown in an audit view only when each one's leaf MAC holds (issue #17): an actor, reason or
 * any other column rewritten in SQL is refused with ROW_TAMPERED, audited and alerted, never shown.
 * One SHA-256 and one HMAC per event shown. Events before migration 0002 carry no MAC; checkpoints and
 * `verify` cover them.
 */
export async function trustEvents(
  deps: VaultDeps,
  rows: readonly StoredEventRow[],
): Promise<Result<AuditEventRow[]>> {
  let first: number | undefined;
  for (const row of rows) {
    if (row.leaf_mac === null) {
      first ??= await firstMaced(deps.db);
      if (Number(row.seq) < first) continue;
    } else if (deps.keyring.eventMac(leafHash(eventLeaf(row))).equals(row.leaf_mac)) continue;
    // Named in the report by its leaf MAC: each forged event is reported once.
    return err(await reportTamper(deps, AUDIT_EVENTS, { ...row, row_mac: row.leaf_mac }));
  }
  return ok(rows.map(toAuditEventRow));
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
