import type { Kysely } from 'kysely';
import { actorLabel } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { INSERT_CHUNK } from '../storage/insert-chunk.js';
import type { Database } from '../storage/schema.js';
import { nextCounter } from '../vault/meta-repo.js';
import type { AuditEventInput } from './audit-event.js';

export const AUDIT_SEQUENCE = 'audit_seq';

/**
 * Appends events inside the caller's transaction. Sequence numbers come from a counter row, taken as
 * one block, so they are gapless: a rolled-back change takes its events and their numbers with it.
 */
export async function appendAuditEvents(
  trx: Kysely<Database>,
  clock: Clock,
  events: readonly AuditEventInput[],
): Promise<number[]> {
  if (events.length === 0) return [];
  const last = await nextCounter(trx, AUDIT_SEQUENCE, events.length);
  const first = last - events.length + 1;
  const at = clock.now().toISOString();
  const rows = events.map((event, i) => ({
    seq: first + i,
    at,
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
  }));
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('audit_events')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
  }
  return rows.map((r) => r.seq);
}

export async function appendAuditEvent(
  trx: Kysely<Database>,
  clock: Clock,
  event: AuditEventInput,
): Promise<number> {
  const [seq] = await appendAuditEvents(trx, clock, [event]);
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

export async function listAuditEvents(
  db: Kysely<Database>,
  filter: { readonly participantId?: string; readonly recordId?: string; readonly action?: string },
): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events').selectAll().orderBy('seq');
  if (filter.participantId !== undefined) query = query.where('participant_id', '=', filter.participantId);
  if (filter.recordId !== undefined) query = query.where('record_id', '=', filter.recordId);
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  const rows = await query.execute();
  return rows.map((r) => ({
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
  }));
}
