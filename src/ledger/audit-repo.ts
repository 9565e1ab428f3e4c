import type { Kysely, Selectable } from 'kysely';
import { actorLabel } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { onCommit } from '../storage/commit-hooks.js';
import { INSERT_CHUNK } from '../storage/insert-chunk.js';
import { nextCounter } from '../storage/meta-repo.js';
import { insertRows } from '../storage/prepared-insert.js';
import type { AuditEventTable, Database } from '../storage/schema.js';
import { assertSchemaAsChecked } from '../storage/schema-guard.js';
import type { AuditEventInput } from './audit-event.js';
import { type EventRow, eventLeaf } from './event-leaf.js';
import { leafHash } from './merkle.js';
import type { RowSealer } from './row-seal.js';
import { type RowSealEntry, sealRows, sealWritten } from './row-seal-store.js';
import { raiseMark, rowId } from './row-trust.js';
import { PendingInserts } from './sealed-inserts.js';

export const AUDIT_SEQUENCE = 'audit_seq';

/** What appending needs: server time, the key that MACs each event's leaf hash, and the row key. */
export interface AuditSealer {
  readonly clock: Clock;
  readonly keyring: { eventMac(leafHash: Buffer): Buffer } & RowSealer;
}

/**
 * Appends events inside the caller's transaction. Sequence numbers (from 0: the event's leaf index in
 * the ledger) come from a counter row taken as one block, so they are gapless: a rolled-back change
 * takes its events and their numbers with it, and the row lock orders concurrent writers.
 */
export async function appendAuditEvents(
  trx: Kysely<Database>,
  sealer: AuditSealer,
  events: readonly AuditEventInput[],
): Promise<number[]> {
  if (events.length === 0) return [];
  const count = await nextCounter(trx, AUDIT_SEQUENCE, events.length);
  const first = count - events.length;
  const now = sealer.clock.now().toISOString();
  const pending = new PendingInserts();
  // An append that reads nothing back (new records) writes its rows first: a lookup token already
  // stored is then left as it is (every record of a participant carries the same tokens), and its
  // events neither seal it again nor raise its mark. Otherwise rows are sealed as each event comes.
  const pure = events.every((e) => e.written === undefined && e.seals === undefined);
  // Rows sealed as they are stored: no trigger or rule put in by hand may have rewritten them here.
  if (events.some((e) => e.seals !== undefined && e.seals.length > 0)) await assertSchemaAsChecked(trx);
  const sealed: RowSealEntry[][] = [];
  for (const [i, event] of events.entries()) {
    const seq = first + i;
    // The rows the change wrote get this event's number and their MACs; their seals go into the leaf.
    const entries: RowSealEntry[] = [];
    if (event.written !== undefined && event.written.length > 0) {
      entries.push(...(await sealWritten(trx, sealer.keyring, seq, event.written)));
    }
    if (event.seals !== undefined && event.seals.length > 0) {
      // A row read back is never one still waiting to be inserted by an earlier event of this append.
      if (pending.size > 0) await pending.flush(trx);
      entries.push(...(await sealRows(trx, sealer.keyring, seq, event.seals)));
    }
    if (event.inserts !== undefined && event.inserts.length > 0) {
      entries.push(...pending.seal(sealer.keyring, seq, event.inserts));
    }
    sealed.push(entries);
  }
  const kept = await pending.flush(trx, pure);
  const rows = [];
  for (const [i, event] of events.entries()) {
    const seq = first + i;
    let entries = sealed[i] ?? [];
    if (kept.size > 0) entries = entries.filter(([table, key]) => !kept.has(rowId(table, key)));
    const seals = entries.length === 0 ? null : JSON.stringify(entries);
    const row: EventRow = {
      seq,
      at: event.at ?? now,
      actor: actorLabel(event.actor),
      action: event.action,
      outcome: event.outcome ?? 'success',
      study_id: event.studyId ?? null,
      participant_id: event.participantId ?? null,
      record_id: event.recordId ?? null,
      target: event.target ?? null,
      reason: event.reason ?? null,
      client: event.client ?? null,
      details: JSON.stringify(event.details ?? {}),
      row_seals: seals,
    };
    // A MAC under a key the database never holds: a row inserted or edited with SQL alone is named.
    rows.push(Object.assign(row, { leaf_mac: sealer.keyring.eventMac(leafHash(eventLeaf(row))) }));
  }
  // Once committed, an older copy of an inserted row (one deleted before) is below its mark.
  for (const [id, seq, table] of pending.marks) {
    if (!kept.has(id)) onCommit(trx, () => raiseMark(sealer.keyring, id, seq, table));
  }
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await insertRows(trx, 'audit_events', rows.slice(i, i + INSERT_CHUNK));
  }
  return rows.map((r) => r.seq);
}

export async function appendAuditEvent(
  trx: Kysely<Database>,
  sealer: AuditSealer,
  event: AuditEventInput,
): Promise<number> {
  const [seq] = await appendAuditEvents(trx, sealer, [event]);
  if (seq === undefined) throw new Error('no sequence number allocated');
  return seq;
}

export interface AuditEventRow {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly outcome: string;
  readonly studyId: string | null;
  readonly participantId: string | null;
  readonly recordId: string | null;
  readonly target: string | null;
  readonly reason: string | null;
  readonly details: Record<string, unknown>;
}

export type StoredEventRow = Selectable<AuditEventTable>;

export async function listAuditEvents(
  db: Kysely<Database>,
  filter: { readonly participantId?: string; readonly recordId?: string; readonly action?: string },
): Promise<AuditEventRow[]> {
  return (await selectAuditEvents(db, filter)).map(toAuditEventRow);
}

/** The events as stored (leaf MAC included), for a view that checks them (authz/trusted-events.ts). */
export async function selectAuditEvents(
  db: Kysely<Database>,
  filter: { readonly participantId?: string; readonly recordId?: string; readonly action?: string },
): Promise<StoredEventRow[]> {
  let query = db.selectFrom('audit_events').selectAll().orderBy('seq');
  if (filter.participantId !== undefined) query = query.where('participant_id', '=', filter.participantId);
  if (filter.recordId !== undefined) query = query.where('record_id', '=', filter.recordId);
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  return query.execute();
}

export function toAuditEventRow(r: Selectable<AuditEventTable>): AuditEventRow {
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action,
    outcome: r.outcome,
    studyId: r.study_id,
    participantId: r.participant_id,
    recordId: r.record_id,
    target: r.target,
    reason: r.reason,
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}

/**
 * A study's events in ledger order after `afterSeq` (keyset pagination). With a set of sites, only
 * events about participants at those sites; study-wide events need a study-wide grant.
 */
export async function listStudyAuditEvents(
  db: Kysely<Database>,
  studyId: string,
  options: StudyEventsOptions,
): Promise<AuditEventRow[]> {
  return (await selectStudyAuditEvents(db, studyId, options)).map(toAuditEventRow);
}

export interface StudyEventsOptions {
  readonly afterSeq: number;
  readonly limit: number;
  readonly sites: 'all' | readonly string[];
  readonly action?: string | undefined;
}

export async function selectStudyAuditEvents(
  db: Kysely<Database>,
  studyId: string,
  options: StudyEventsOptions,
): Promise<StoredEventRow[]> {
  let query = db
    .selectFrom('audit_events')
    .selectAll('audit_events')
    .where('audit_events.study_id', '=', studyId)
    .where('audit_events.seq', '>', options.afterSeq)
    .orderBy('audit_events.seq')
    .limit(options.limit);
  if (options.action !== undefined) query = query.where('audit_events.action', '=', options.action);
  if (options.sites !== 'all') {
    const sites = options.sites.length === 0 ? [''] : [...options.sites];
    query = query
      .innerJoin('participants', 'participants.id', 'audit_events.participant_id')
      .where('participants.site_id', 'in', sites);
  }
  return query.execute();
}
