import { z } from 'zod';
import { ALERTS, BREAK_GLASS, GRANTS } from '../authz/access-bindings.js';
import type { Authorizer } from '../authz/authorizer.js';
import * as repo from '../authz/repo.js';
import { BREAK_GLASS_REVIEW_HOURS, isRole, ROLE_DEFINITIONS } from '../authz/roles.js';
import { trustRow, trustRows } from '../authz/row-tamper.js';
import { sameRowForChange } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';
import { checkedStudy } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import type { BreakGlass } from './access-view.js';

export type { BreakGlass } from './access-view.js';

/** Emergency access lasts at most four hours, one hour unless asked (HIPAA 164.312(a)(2)(ii)). */
export const BREAK_GLASS_MAX_MINUTES = 240;
export const BREAK_GLASS_DEFAULT_MINUTES = 60;
export { BREAK_GLASS_REVIEW_HOURS } from '../authz/roles.js';

export const startSchema = z.strictObject({
  study: z.string().min(1),
  justification: z.string().trim().min(20, 'explain the emergency in at least 20 characters').max(2000),
  minutes: z.number().int().min(5).max(BREAK_GLASS_MAX_MINUTES).default(BREAK_GLASS_DEFAULT_MINUTES),
});

export const reviewSchema = z.strictObject({
  outcome: z.enum(['appropriate', 'inappropriate']),
  note: z.string().trim().min(10, 'say what was checked, in at least 10 characters').max(2000),
});

/**
 * Break-glass (HIPAA 164.312(a)(2)(ii) emergency access): a clinician of the study (a role that reveals
 * identifiers) takes time-limited read access to all its sites with a mandatory justification; at most
 * one at a time per user, active or awaiting review; it is audited, raises an alert, ends by itself,
 * and a second person (breakglass.review in the study, not the requester) reviews it within 72 hours.
 */
export class BreakGlassService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
  ) {}

  async start(actor: Actor, input: unknown): Promise<Result<BreakGlass>> {
    if (actor.kind !== 'user')
      return err(appError('FORBIDDEN', 'Only a signed-in person can break the glass.'));
    const parsed = startSchema.safeParse(input);
    if (!parsed.success) {
      return err(appError('REASON_REQUIRED', 'Break-glass needs a justification of at least 20 characters.'));
    }
    // The study row only when its MAC holds (review s13, H4/H5: a title or demo flag set in SQL).
    const foundStudy = await checkedStudy(this.deps, parsed.data.study);
    if (!foundStudy.ok) return foundStudy;
    const study = foundStudy.value;
    if (study === undefined) return err(appError('NOT_FOUND', 'No such resource.'));
    // Only a clinician of the study (a standing role that reveals identifiers) breaks its glass: the
    // emergency widens where one reads, it does not give identifiers to a role that never sees them.
    const member = await this.authorizer.authorize(actor, 'study.read', { studyId: study.id });
    if (!member.ok) return member;
    const grants = await trustRows(this.deps, GRANTS, await repo.activeGrants(this.deps.db, actor.id));
    if (!grants.ok) return grants;
    const clinical = grants.value.some(
      (g) =>
        g.study_id === study.id && isRole(g.role) && ROLE_DEFINITIONS[g.role].reveal.includes('identifier'),
    );
    if (!clinical) {
      return this.authorizer.refuse(
        actor,
        'study.read',
        { studyId: study.id },
        appError('FORBIDDEN', 'Break-glass is for clinical roles that work with identifiers.'),
      );
    }
    const open = await repo.openBreakGlass(this.deps.db, actor.id, this.deps.clock.now().toISOString());
    if (open.length > 0) {
      return err(
        appError(
          'CONFLICT',
          'You have a break-glass session that is active or awaits its review; one at a time.',
          { id: open[0]?.id },
        ),
      );
    }
    return transact(this.deps.db, async (trx) => {
      const now = this.deps.clock.now();
      const row: repo.BreakGlassRow = {
        id: newId(),
        user_id: actor.id,
        study_id: study.id,
        justification: parsed.data.justification,
        started_at: now.toISOString(),
        expires_at: new Date(now.getTime() + parsed.data.minutes * 60_000).toISOString(),
        ended_at: null,
        reviewed_at: null,
        reviewed_by: null,
        review_outcome: null,
        review_note: null,
      };
      await repo.insertBreakGlass(trx, row);
      const alertId = newId();
      await repo.insertAlert(trx, {
        id: alertId,
        kind: 'break-glass',
        user_id: actor.id,
        study_id: study.id,
        at: row.started_at,
        details: JSON.stringify({ minutes: parsed.data.minutes, breakGlass: row.id }),
        acknowledged_at: null,
      });
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'breakglass.start',
        studyId: study.id,
        target: row.id,
        reason: parsed.data.justification,
        details: { minutes: parsed.data.minutes, expiresAt: row.expires_at },
        seals: [
          [BREAK_GLASS, [row.id]],
          [ALERTS, [alertId]],
        ],
      });
      return ok(toBreakGlass(row, row.started_at));
    });
  }

  /** The second person's review: breakglass.review in the study, never the requester; once. */
  async review(actor: Actor, id: string, input: unknown): Promise<Result<BreakGlass>> {
    const found = await trustRow(this.deps, BREAK_GLASS, await repo.findBreakGlass(this.deps.db, id));
    if (!found.ok) return found;
    const row = found.value;
    if (row === undefined) return err(appError('NOT_FOUND', 'No such resource.'));
    const scope = { studyId: row.study_id, resource: 'study' as const };
    const permit = await this.authorizer.authorize(actor, 'breakglass.review', scope);
    if (!permit.ok) return permit;
    if (actor.kind !== 'user') return err(appError('FORBIDDEN', 'A person reviews break-glass.'));
    if (actor.id === row.user_id) {
      return this.authorizer.refuse(
        actor,
        'breakglass.review',
        scope,
        appError('FORBIDDEN', 'Someone other than the requester reviews a break-glass.'),
      );
    }
    const parsed = reviewSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error));
    return transact(this.deps.db, async (trx) => {
      // The row reviewed is the row this event seals, unchanged since it was checked (review s13: an
      // expiry extended or a requester moved in SQL during the review was sealed).
      const same = await sameRowForChange(this.deps, trx, BREAK_GLASS, row);
      if (!same.ok) return same;
      const now = this.deps.clock.now().toISOString();
      const review = {
        reviewed_at: now,
        reviewed_by: actor.id,
        review_outcome: parsed.data.outcome,
        review_note: parsed.data.note,
      };
      if (!(await repo.reviewBreakGlass(trx, row.id, review)))
        return err(appError('CONFLICT', 'This break-glass was reviewed already.'));
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'breakglass.review',
        studyId: row.study_id,
        target: row.id,
        reason: parsed.data.note,
        details: { outcome: parsed.data.outcome, requester: row.user_id },
        seals: [[BREAK_GLASS, [row.id]]],
      });
      return ok(toBreakGlass({ ...row, ...review }, now));
    });
  }

  async list(actor: Actor, studyId: string): Promise<Result<BreakGlass[]>> {
    // The study row only when its MAC holds (review s13, H4/H5: a title or demo flag set in SQL).
    const foundStudy = await checkedStudy(this.deps, studyId);
    if (!foundStudy.ok) return foundStudy;
    const study = foundStudy.value;
    if (study === undefined) return err(appError('NOT_FOUND', 'No such resource.'));
    const permit = await this.authorizer.authorize(actor, 'breakglass.review', { studyId: study.id });
    if (!permit.ok) return permit;
    const now = this.deps.clock.now().toISOString();
    const rows = await trustRows(this.deps, BREAK_GLASS, await repo.listBreakGlass(this.deps.db, study.id));
    if (!rows.ok) return rows;
    return ok(rows.value.map((r) => toBreakGlass(r, now)));
  }
}

function toBreakGlass(row: repo.BreakGlassRow, now: string): BreakGlass {
  return {
    id: row.id,
    userId: row.user_id,
    studyId: row.study_id,
    justification: row.justification,
    startedAt: row.started_at,
    expiresAt: row.expires_at,
    active: row.ended_at === null && row.expires_at > now,
    reviewDue: reviewDue(row),
    overdue: row.reviewed_at === null && reviewDue(row) <= now,
    review:
      row.reviewed_at === null
        ? null
        : {
            by: row.reviewed_by ?? '',
            at: row.reviewed_at,
            outcome: row.review_outcome ?? '',
            note: row.review_note ?? '',
          },
  };
}

function reviewDue(row: repo.BreakGlassRow): string {
  return new Date(Date.parse(row.started_at) + BREAK_GLASS_REVIEW_HOURS * 3_600_000).toISOString();
}
