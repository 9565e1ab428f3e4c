import { z } from 'zod';
import { appendAuditEvent } from '../audit/repo.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { transact } from '../storage/transact.js';
import * as studies from '../studies/repo.js';
import type { VaultDeps } from '../vault/deps.js';
import type { Authorizer } from './authorizer.js';
import * as repo from './repo.js';

const startSchema = z.strictObject({
  study: z.string().min(1),
  justification: z.string().trim().min(20, 'explain the emergency in at least 20 characters').max(2000),
  minutes: z.number().int().min(5).max(240).default(60),
});

export interface BreakGlass {
  readonly id: string;
  readonly userId: string;
  readonly studyId: string;
  readonly justification: string;
  readonly startedAt: string;
  readonly expiresAt: string;
  readonly active: boolean;
}

/**
 * Break-glass (HIPAA 164.312(a)(2)(ii) emergency access): a user with any role in the study takes
 * time-limited read access to all its sites with a mandatory justification; it is audited, raises an
 * alert, is listed for study administrators, and ends by itself.
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
    const study = await studies.findStudy(this.deps.db, parsed.data.study);
    if (study === undefined) return err(appError('NOT_FOUND', 'No such resource.'));
    // Only someone who already works on the study can break its glass.
    const member = await this.authorizer.authorize(actor, 'study.read', { studyId: study.id });
    if (!member.ok) return member;
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
      };
      await repo.insertBreakGlass(trx, row);
      await repo.insertAlert(trx, {
        id: newId(),
        kind: 'break-glass',
        user_id: actor.id,
        study_id: study.id,
        at: row.started_at,
        details: JSON.stringify({ minutes: parsed.data.minutes }),
        acknowledged_at: null,
      });
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'breakglass.start',
        studyId: study.id,
        target: row.id,
        reason: parsed.data.justification,
        details: { minutes: parsed.data.minutes, expiresAt: row.expires_at },
      });
      return ok(toBreakGlass(row, row.started_at));
    });
  }

  async list(actor: Actor, studyId: string): Promise<Result<BreakGlass[]>> {
    const study = await studies.findStudy(this.deps.db, studyId);
    if (study === undefined) return err(appError('NOT_FOUND', 'No such resource.'));
    const permit = await this.authorizer.authorize(actor, 'breakglass.review', { studyId: study.id });
    if (!permit.ok) return permit;
    const now = this.deps.clock.now().toISOString();
    return ok((await repo.listBreakGlass(this.deps.db, study.id)).map((r) => toBreakGlass(r, now)));
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
  };
}
