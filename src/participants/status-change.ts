import { z } from 'zod';
import type { Authorizer } from '../authz/authorizer.js';
import { sameRowForChange } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { invalidInput } from '../core/invalid-input.js';
import { reasonSchema } from '../core/reason.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';
import { refuseClosed } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import { PARTICIPANTS } from './participants-bindings.js';
import { PARTICIPANT_STATUSES, type Participant, type ParticipantStatus } from './participants-view.js';
import * as repo from './repo.js';
import { knownParticipant } from './trusted.js';

/** The statuses a screen failure may follow: before randomisation only (docs/participants.md). */
const SCREEN_FAIL_FROM: readonly ParticipantStatus[] = ['screening', 'enrolled'];

/**
 * Whether the participant was randomised: a record of theirs holds, in its current version, a value
 * of an allocation-class field (the treatment arm or kit of the randomisation form).
 */
export async function isRandomised(db: VaultDeps['db'], participantId: string): Promise<boolean> {
  const rows = await db
    .selectFrom('records')
    .innerJoin('record_versions', (join) =>
      join
        .onRef('record_versions.record_id', '=', 'records.id')
        .onRef('record_versions.version', '=', 'records.version'),
    )
    .innerJoin('form_versions', 'form_versions.id', 'record_versions.form_version_id')
    .select(['form_versions.definition', 'record_versions.sealed_values'])
    .where('records.participant_id', '=', participantId)
    .execute();
  return rows.some((row) => {
    const definition = JSON.parse(row.definition) as { fields?: { oid: string; class?: string }[] };
    const sealed = JSON.parse(row.sealed_values) as Record<string, unknown>;
    return (definition.fields ?? []).some((f) => f.class === 'allocation' && sealed[f.oid] !== undefined);
  });
}

/**
 * The participant status machine's refusals: a screen failure only before randomisation (from
 * screening or enrolled, with no allocation recorded), and nothing after a screen failure (a
 * rescreened person is enrolled again under a new subject id). Other changes are as before.
 */
export async function refuseTransition(
  db: VaultDeps['db'],
  row: repo.ParticipantWithSite,
  to: ParticipantStatus,
): Promise<Result<null>> {
  if (row.status === 'screen_failed' && to !== 'screen_failed') {
    return err(
      appError('CONFLICT', 'A screen-failed participant keeps that status; enrol a rescreen anew.', {
        from: row.status,
        to,
      }),
    );
  }
  if (to !== 'screen_failed' || row.status === 'screen_failed') return ok(null);
  if (!SCREEN_FAIL_FROM.includes(row.status)) {
    return err(
      appError('CONFLICT', `A ${row.status} participant cannot be screen-failed.`, { from: row.status, to }),
    );
  }
  if (await isRandomised(db, row.id)) {
    return err(
      appError('CONFLICT', 'The participant was randomised: withdraw them instead of a screen failure.', {
        from: row.status,
        to,
      }),
    );
  }
  return ok(null);
}

/** Changes a participant's status with a reason: site-scoped, refused on a closed study, audited. */
export async function changeStatus(
  deps: VaultDeps,
  authorizer: Authorizer,
  actor: Actor,
  participantId: string,
  status: string,
  reason: unknown,
): Promise<Result<Participant>> {
  const parsedStatus = z.enum(PARTICIPANT_STATUSES).safeParse(status);
  if (!parsedStatus.success) return err(invalidInput(parsedStatus.error));
  const to = parsedStatus.data;
  const parsedReason = reasonSchema.safeParse(reason);
  if (!parsedReason.success) return err(appError('REASON_REQUIRED', 'A reason for the change is required.'));
  const { db, clock } = deps;
  const known = await knownParticipant(deps, participantId);
  if (!known.ok) return known;
  const permit = await authorizer.authorize(actor, 'participant.status', {
    studyId: known.value.study_id,
    siteId: known.value.site_id,
  });
  if (!permit.ok) return permit;
  if (known.value.status === 'erased')
    return err(appError('PARTICIPANT_ERASED', 'The participant was erased.'));
  return transact(db, async (trx) => {
    const closed = await refuseClosed(deps, trx, known.value.study_id);
    if (!closed.ok) return closed;
    // The row authorized above, unchanged and locked (review s13: a site moved under a held lock
    // would land under this update and be sealed with it).
    const same = await sameRowForChange(deps, trx, PARTICIPANTS, known.value);
    if (!same.ok) return same;
    // Read again in the transaction: the state the rule decides on is the one that is changed.
    const current = await knownParticipant(deps, participantId, trx);
    if (!current.ok) return current;
    const row = current.value;
    if (row.status === 'erased') return err(appError('PARTICIPANT_ERASED', 'The participant was erased.'));
    const allowed = await refuseTransition(trx, row, to);
    if (!allowed.ok) return allowed;
    const now = clock.now().toISOString();
    await repo.updateStatus(trx, row.id, to, now);
    await appendAuditEvent(trx, deps, {
      actor,
      action: 'participant.status',
      studyId: row.study_id,
      participantId: row.id,
      reason: parsedReason.data,
      details: { from: row.status, to },
      seals: [[PARTICIPANTS, [row.id]]],
    });
    return ok({
      id: row.id,
      studyId: row.study_id,
      siteId: row.site_id,
      siteCode: row.site_code,
      subjectId: row.subject_id,
      status: to,
      createdAt: row.created_at,
      erasedAt: row.erased_at,
    });
  });
}
