import type { Kysely } from 'kysely';
import { actorLabel } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import type { Database } from '../storage/schema.js';
import { nextCounter } from '../vault/meta-repo.js';
import type { AuditEventInput } from './audit-event.js';

export const AUDIT_SEQUENCE = 'audit_seq';

/**
 * Appends one event inside the caller's transaction. The sequence comes from a counter row, so it is
 * gapless: a rolled-back change takes its event and its number with it.
 */
export async function appendAuditEvent(
  trx: Kysely<Database>,
  clock: Clock,
  event: AuditEventInput,
): Promise<number> {
  const seq = await nextCounter(trx, AUDIT_SEQUENCE);
  await trx
    .insertInto('audit_events')
    .values({
      seq,
      id: newId(),
      at: clock.now().toISOString(),
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
    })
    .execute();
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
