import { z } from 'zod';
import type { AuthService } from '../access/auth-service.js';
import { GRANTS } from '../authz/access-bindings.js';
import type { Authorizer } from '../authz/authorizer.js';
import { grantsOfActiveUser } from '../authz/repo.js';
import { type Action, isRole, ROLE_DEFINITIONS } from '../authz/roles.js';
import { trustRow, trustRows } from '../authz/row-tamper.js';
import { sameRowForChange } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';
import { knownStudy } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import { EXPORT_REQUESTS } from './export-bindings.js';
import { EXPORT_FORMATS } from './export-dataset.js';
import type { RequestView } from './export-view.js';
import * as repo from './repo.js';

/** A request waits this long for its approval, and an approval this long for its export. */
export const DUAL_CONTROL_MINUTES = 60;

const reauth = { password: z.string().min(1).max(1024), totp: z.string().max(16).optional() };
export const identifiedRequestSchema = z.strictObject({
  format: z.enum(EXPORT_FORMATS).default('csv'),
  recipient: z.string().trim().min(1).max(200),
  purpose: z.string().trim().min(1).max(500),
  ...reauth,
});
export const approvalSchema = z.strictObject(reauth);

const view = (r: repo.RequestRow): RequestView => ({
  id: r.id,
  status: r.status,
  format: r.format,
  recipient: r.recipient,
  purpose: r.purpose,
  requestedBy: r.requested_by,
  requestedRole: r.requested_role,
  requestedAt: r.requested_at,
  approvedBy: r.approved_by,
  expiresAt: r.expires_at,
});

const NEEDS_APPROVAL = appError(
  'APPROVAL_REQUIRED',
  'An identified export needs a request approved by a second person with a different role, used within its time limit.',
);

/**
 * Dual control for identified exports (HIPAA 164.308(a)(4); separation of duties, NIST SP 800-53 AC-5):
 * one person requests, re-authenticated; a second person with a different role approves,
 * re-authenticated, within the time limit; the requester (or the operator) makes the export once,
 * for the named recipient, purpose and format. Every refusal is audited.
 */
export class DualControl {
  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
    private readonly auth: AuthService,
  ) {}

  /** The user's study roles that hold the action. */
  async #roles(userId: string, studyId: string, action: Action): Promise<Result<string[]>> {
    // Checked rows only: a grant inserted in SQL (the access cache held still) never lends its role
    // to a request or an approval, which seal it (review s13, attack-seals 4).
    const checked = await trustRows(this.deps, GRANTS, await grantsOfActiveUser(this.deps.db, userId));
    if (!checked.ok) return checked;
    return ok(
      checked.value
        .filter((g) => g.study_id === studyId && isRole(g.role))
        .map((g) => g.role)
        .filter((role) => isRole(role) && ROLE_DEFINITIONS[role].actions.includes(action)),
    );
  }

  async request(actor: Actor, studyRef: string, input: unknown): Promise<Result<RequestView>> {
    const parsed = identifiedRequestSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error, 'The export request is invalid.'));
    // The study row only when its MAC holds (review s13, H4/H5: a title or demo flag set in SQL).
    const foundStudy = await knownStudy(this.deps, studyRef);
    if (!foundStudy.ok) return foundStudy;
    const study = foundStudy.value;
    const scope = { studyId: study.id, resource: 'study' as const };
    const allowed = await this.authorizer.authorize(actor, 'export.identified', scope);
    if (!allowed.ok) return allowed;
    if (actor.kind !== 'user')
      return this.authorizer.refuse(actor, 'export.identified', scope, NEEDS_APPROVAL);
    const roles = await this.#roles(actor.id, study.id, 'export.identified');
    if (!roles.ok) return roles;
    const role = roles.value[0];
    if (role === undefined) return this.authorizer.refuse(actor, 'export.identified', scope, NEEDS_APPROVAL);
    const who = await this.auth.reauthenticate(actor, parsed.data.password, parsed.data.totp);
    if (!who.ok) return who;
    const now = this.deps.clock.now();
    const row: repo.RequestRow = {
      id: newId(),
      study_id: study.id,
      profile: 'identified',
      format: parsed.data.format,
      recipient: parsed.data.recipient,
      purpose: parsed.data.purpose,
      requested_by: actor.id,
      requested_role: role,
      requested_at: now.toISOString(),
      expires_at: new Date(now.getTime() + DUAL_CONTROL_MINUTES * 60_000).toISOString(),
      status: 'pending',
      approved_by: null,
      approved_role: null,
      approved_at: null,
      export_id: null,
    };
    return transact(this.deps.db, async (trx) => {
      await repo.insertRequest(trx, row);
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'export.request',
        studyId: study.id,
        target: row.id,
        reason: row.purpose,
        details: { profile: 'identified', format: row.format, recipient: row.recipient, role },
        seals: [[EXPORT_REQUESTS, [row.id]]],
      });
      return ok(view(row));
    });
  }

  async approve(actor: Actor, requestId: string, input: unknown): Promise<Result<RequestView>> {
    const parsed = approvalSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error, 'An approval needs your password.'));
    // A request row forged or edited in SQL (requester, role, status) is refused (issue #17).
    const found = await trustRow(this.deps, EXPORT_REQUESTS, await repo.findRequest(this.deps.db, requestId));
    if (!found.ok) return found;
    const request = found.value;
    if (request === undefined) return err(appError('NOT_FOUND', 'No such export request.'));
    const scope = { studyId: request.study_id, resource: 'study' as const };
    const allowed = await this.authorizer.authorize(actor, 'export.approve', scope);
    if (!allowed.ok) return allowed;
    const refuse = (message: string) =>
      this.authorizer.refuse(actor, 'export.approve', scope, appError('FORBIDDEN', message));
    if (actor.kind !== 'user') return refuse('An approval is given by a signed-in person.');
    if (actor.id === request.requested_by) return refuse('The requester cannot approve their own export.');
    const roles = await this.#roles(actor.id, request.study_id, 'export.approve');
    if (!roles.ok) return roles;
    const role = roles.value.find((r) => r !== request.requested_role);
    if (role === undefined) return refuse("The approver's role must differ from the requester's.");
    const now = this.deps.clock.now();
    if (request.status !== 'pending' || request.expires_at <= now.toISOString())
      return this.authorizer.refuse(
        actor,
        'export.approve',
        scope,
        appError('CONFLICT', 'The request is no longer waiting for approval (approved, used or expired).'),
      );
    const who = await this.auth.reauthenticate(actor, parsed.data.password, parsed.data.totp);
    if (!who.ok) return who;
    const set = {
      status: 'approved' as const,
      approved_by: actor.id,
      approved_role: role,
      approved_at: now.toISOString(),
      expires_at: new Date(now.getTime() + DUAL_CONTROL_MINUTES * 60_000).toISOString(),
    };
    return transact(this.deps.db, async (trx) => {
      // The request approved is the one checked above, unchanged (review s13: a requester, recipient or
      // format swapped in SQL during the approval's re-authentication was sealed as approved).
      const same = await sameRowForChange(this.deps, trx, EXPORT_REQUESTS, request);
      if (!same.ok) return same;
      if (!(await repo.advanceRequest(trx, request.id, 'pending', set)))
        return err(appError('CONFLICT', 'The request was approved or changed meanwhile.'));
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'export.approve',
        studyId: request.study_id,
        target: request.id,
        details: { requestedBy: request.requested_by, requestedRole: request.requested_role, role },
        seals: [[EXPORT_REQUESTS, [request.id]]],
      });
      return ok(view({ ...request, ...set }));
    });
  }

  /** The approval queue of a study. */
  async pending(actor: Actor, studyRef: string): Promise<Result<RequestView[]>> {
    // The study row only when its MAC holds (review s13, H4/H5: a title or demo flag set in SQL).
    const foundStudy = await knownStudy(this.deps, studyRef);
    if (!foundStudy.ok) return foundStudy;
    const study = foundStudy.value;
    const allowed = await this.authorizer.authorize(actor, 'export.approve', { studyId: study.id });
    if (!allowed.ok) return allowed;
    const now = this.deps.clock.now().toISOString();
    const rows = await trustRows(
      this.deps,
      EXPORT_REQUESTS,
      await repo.listPendingRequests(this.deps.db, study.id, now),
    );
    return rows.ok ? ok(rows.value.map(view)) : rows;
  }

  /** Uses an approved request for one export, exactly as approved; refusals are audited. */
  async consume(
    actor: Actor,
    studyId: string,
    requestId: string | undefined,
    made: { format: string; recipient: string; purpose: string; exportId: string },
  ): Promise<Result<string>> {
    const scope = { studyId, resource: 'study' as const };
    const refuse = () => this.authorizer.refuse(actor, 'export.identified', scope, NEEDS_APPROVAL);
    const allowed = await this.authorizer.authorize(actor, 'export.identified', scope);
    if (!allowed.ok) return allowed;
    if (requestId === undefined) return refuse();
    // An approval inserted or an approver changed in SQL never releases an identified export (issue #17).
    const found = await trustRow(this.deps, EXPORT_REQUESTS, await repo.findRequest(this.deps.db, requestId));
    if (!found.ok) return found;
    const request = found.value;
    const now = this.deps.clock.now().toISOString();
    const mine = actor.kind === 'system' || (actor.kind === 'user' && actor.id === request?.requested_by);
    if (
      request === undefined ||
      request.study_id !== studyId ||
      request.status !== 'approved' ||
      request.expires_at <= now ||
      !mine ||
      request.format !== made.format ||
      request.recipient !== made.recipient ||
      request.purpose !== made.purpose
    )
      return refuse();
    // Compare-and-set: one approval makes one export, even under concurrent use; sealed by its event.
    const used = await transact(this.deps.db, async (trx) => {
      const set = { status: 'used' as const, export_id: made.exportId };
      // The approval used is the one checked above, unchanged (review s13).
      if (!(await sameRowForChange(this.deps, trx, EXPORT_REQUESTS, request)).ok) return ok(false);
      if (!(await repo.advanceRequest(trx, request.id, 'approved', set))) return ok(false);
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'export.request-used',
        studyId,
        target: request.id,
        details: { export: made.exportId },
        seals: [[EXPORT_REQUESTS, [request.id]]],
      });
      return ok(true);
    });
    return used.ok && used.value ? ok(request.id) : refuse();
  }
}

export type { RequestView };
