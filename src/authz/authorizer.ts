import type { Actor } from '../core/actor.js';
import { DATA_CLASSES, type DataClass } from '../core/data-class.js';
import { type AppError, appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import { BREAK_GLASS as BREAK_GLASS_ROWS, GRANTS } from './access-bindings.js';
import { AccessCache } from './access-cache.js';
import * as repo from './repo.js';
import {
  type Action,
  BREAK_GLASS,
  isRole,
  NEVER_TOKEN_ACTIONS,
  ROLE_DEFINITIONS,
  type RoleDefinition,
} from './roles.js';
import { trustRows } from './row-tamper.js';

export interface Scope {
  readonly studyId: string;
  /** The site of the participant or record acted on; absent for study-wide actions. */
  readonly siteId?: string | undefined;
  /** What is looked up, so that "not visible" reads exactly like "does not exist" (ASVS 8.2.2). */
  readonly resource?: 'study' | 'site' | 'participant' | 'record';
}

const NOT_FOUND_MESSAGES = {
  study: 'No such study.',
  site: 'No such site in the study.',
  participant: 'No such participant.',
  record: 'No such record.',
} as const;

function notFoundFor(action: Action, scope: Scope | undefined) {
  const resource =
    scope?.resource ??
    (action.startsWith('participant.')
      ? 'participant'
      : action.startsWith('record.') || action === 'audit.read'
        ? 'record'
        : 'study');
  return appError('NOT_FOUND', NOT_FOUND_MESSAGES[resource]);
}

/** What an allowed actor may see while doing it. */
export interface Permit {
  /** Protected classes this actor may reveal now (empty without a second factor). */
  readonly reveal: ReadonlySet<DataClass>;
  /** Allocation values are removed from everything a blinded actor receives. */
  readonly blinded: boolean;
  /** The sites the actor may see in this study for this action. */
  readonly sites: 'all' | ReadonlySet<string>;
}

export const FULL_PERMIT: Permit = { reveal: new Set(DATA_CLASSES), blinded: false, sites: 'all' };

interface Effective {
  readonly role: RoleDefinition;
  readonly siteId: string | null;
}

const FORBIDDEN = appError('FORBIDDEN', 'Your role does not allow this action.');

/**
 * Deny by default, in the service layer (ASVS 8.2.1, 8.3.1; HIPAA 164.312(a)(1)). A resource outside
 * the actor's studies or sites answers NOT_FOUND, so its existence is not disclosed (ASVS 8.2.2);
 * a visible resource with a role that lacks the action answers FORBIDDEN. Every denial is audited.
 */
export class Authorizer {
  constructor(private readonly deps: VaultDeps) {}

  readonly #grants = new AccessCache<readonly repo.GrantRow[]>();

  /** `quiet` is for probes (what to show), not for access: such a denial is not an audit event. */
  async authorize(
    actor: Actor,
    action: Action,
    scope?: Scope,
    options: { quiet?: boolean } = {},
  ): Promise<Result<Permit>> {
    const quiet = options.quiet === true;
    if (actor.kind === 'system') return ok(FULL_PERMIT);
    if (actor.kind === 'device') return this.#deny(actor, action, scope, FORBIDDEN, quiet);
    const userId = actor.kind === 'user' ? actor.id : actor.userId;
    if (actor.kind === 'token') {
      // A token acts only in its study, only for its scopes, never for a system or administrative
      // action, whatever its user holds: its power is its scopes intersected with the user's current
      // grants in that study, re-read at every use (ASVS 8.2.1, 8.3.1; 21 CFR 11.10(d), (g)).
      const refused =
        scope === undefined || NEVER_TOKEN_ACTIONS.has(action) || !actor.scopes.includes(action)
          ? FORBIDDEN
          : scope.studyId !== actor.studyId
            ? notFoundFor(action, scope)
            : undefined;
      if (refused !== undefined) return this.#deny(actor, action, scope, refused, quiet);
    }
    // The grants of the user, only while the account is active: cached per access epoch. A token is
    // decided by its user's study grants alone: never by a system role, never by break-glass.
    const effective = await this.#effective(userId, scope?.studyId, actor.accessEpoch);
    // A grant row that fails its MAC is never honoured: the request is refused (issue #17).
    if (!effective.ok) return effective;
    const all = effective.value;
    const grants = actor.kind === 'token' ? all.filter((e) => e.role.system !== true) : all;
    let decision = decide(grants, action, scope);
    // Break-glass is looked up only when the grants do not already allow the action (people only).
    if (!decision.allowed && scope !== undefined && grants.length > 0 && actor.kind === 'user') {
      const glass = await trustRows(
        this.deps,
        BREAK_GLASS_ROWS,
        await repo.activeBreakGlass(this.deps.db, userId, this.deps.clock.now().toISOString()),
      );
      if (!glass.ok) return glass;
      if (glass.value.some((g) => g.study_id === scope.studyId)) {
        decision = decide([...grants, { role: BREAK_GLASS, siteId: null }], action, scope);
      }
    }
    if (!decision.allowed) {
      return this.#deny(
        actor,
        action,
        scope,
        decision.visible ? FORBIDDEN : notFoundFor(action, scope),
        quiet,
      );
    }
    return ok(this.#permit(actor, decision.by));
  }

  /**
   * The actions a user's standing study grants give in a study (no system role, no break-glass): what
   * an API token of that user in that study may at most carry.
   */
  async standingActions(userId: string, studyId: string): Promise<ReadonlySet<Action>> {
    const effective = await this.#effective(userId, studyId, undefined);
    const grants = effective.ok ? effective.value : [];
    return new Set(grants.filter((e) => e.role.system !== true).flatMap((e) => e.role.actions));
  }

  /** A denial decided by a rule outside the role table (e.g. no self-grant): audited like any other. */
  refuse(actor: Actor, action: Action, scope: Scope | undefined, error: AppError): Promise<Result<never>> {
    return this.#deny(actor, action, scope, error, false);
  }

  /** The studies an actor works on ('all' for the system), without auditing the ones it does not. */
  async visibleStudies(actor: Actor): Promise<'all' | ReadonlySet<string>> {
    if (actor.kind === 'system') return 'all';
    if (actor.kind === 'device') return new Set();
    if (actor.kind === 'token') {
      // The token's study, while its user still holds a study grant there.
      const effective = await this.#effective(actor.userId, actor.studyId, actor.accessEpoch);
      const grants = effective.ok ? effective.value : [];
      return new Set(grants.some((e) => e.role.system !== true) ? [actor.studyId] : []);
    }
    const now = this.deps.clock.now().toISOString();
    const active = await trustRows(this.deps, GRANTS, await repo.activeGrants(this.deps.db, actor.id));
    const ids = (active.ok ? active.value : []).flatMap((g) => (g.study_id === null ? [] : [g.study_id]));
    const glass = await trustRows(
      this.deps,
      BREAK_GLASS_ROWS,
      await repo.activeBreakGlass(this.deps.db, actor.id, now),
    );
    for (const g of glass.ok ? glass.value : []) ids.push(g.study_id);
    return new Set(ids);
  }

  /** Grants of the (active) user that apply to the study, and system grants. */
  async #effective(
    userId: string,
    studyId: string | undefined,
    knownEpoch: number | undefined,
  ): Promise<Result<Effective[]>> {
    // The epoch read when the request was authenticated, or now: always before the grants are read, so
    // a cached answer can only be labelled older than it is, never newer.
    const epoch = knownEpoch ?? (await repo.accessEpoch(this.deps.db));
    let grants = epoch === undefined ? undefined : this.#grants.get(userId, epoch);
    if (grants === undefined) {
      // Only rows whose MAC holds are cached: a forged grant never sits behind a cache hit, and the
      // epoch (advanced by every change to grants) drops an entry once any grant row changes.
      const checked = await trustRows(this.deps, GRANTS, await repo.grantsOfActiveUser(this.deps.db, userId));
      if (!checked.ok) return checked;
      grants = checked.value;
      // Copies: checked again from the cache strictly, against the mark as it is now (review s13).
      if (epoch !== undefined)
        this.#grants.set(
          userId,
          epoch,
          grants.map((g) => ({ ...g })),
        );
    }
    const result: Effective[] = [];
    for (const grant of grants) {
      if (!isRole(grant.role)) continue;
      const role = ROLE_DEFINITIONS[grant.role];
      if (role.system === true || (studyId !== undefined && grant.study_id === studyId)) {
        result.push({ role, siteId: grant.site_id });
      }
    }
    return ok(result);
  }

  #permit(actor: Actor, allowed: Effective[]): Permit {
    // Revealing protected values needs a second factor (HIPAA 164.312(d)); API tokens never reveal.
    const mfa = actor.kind === 'user' && actor.mfa;
    const reveal = new Set<DataClass>(mfa ? allowed.flatMap((e) => e.role.reveal) : []);
    const blinded = allowed.every((e) => e.role.blinded);
    const sites = allowed.some((e) => e.siteId === null)
      ? 'all'
      : new Set(allowed.map((e) => e.siteId as string));
    return { reveal, blinded, sites };
  }

  async #deny(
    actor: Actor,
    action: Action,
    scope: Scope | undefined,
    error: AppError,
    quiet: boolean,
  ): Promise<Result<never>> {
    if (quiet) return err(error);
    // Every denied authorization is an audit event (21 CFR 11.10(d); ASVS 16.3.2).
    await transact(this.deps.db, async (trx) => {
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'access.denied',
        outcome: 'denied',
        studyId: scope?.studyId ?? null,
        details: { action, answer: error.code },
      });
      return ok(null);
    });
    return err(error);
  }
}

/**
 * The rules on a set of grants: system actions need a system role; in a study, a resource outside
 * every grant's sites is not visible (not found); a visible one needs a grant whose role has the action.
 */
function decide(
  grants: readonly Effective[],
  action: Action,
  scope: Scope | undefined,
): { allowed: true; by: Effective[] } | { allowed: false; visible: boolean } {
  const systemAllowed = grants.filter((e) => e.role.system === true && e.role.actions.includes(action));
  if (scope === undefined)
    return systemAllowed.length > 0
      ? { allowed: true, by: systemAllowed }
      : { allowed: false, visible: true };
  const visible = grants.filter(
    (e) =>
      e.role.system !== true &&
      (scope.siteId === undefined || e.siteId === null || e.siteId === scope.siteId),
  );
  const allowed = [...visible.filter((e) => e.role.actions.includes(action)), ...systemAllowed];
  if (allowed.length > 0) return { allowed: true, by: allowed };
  return { allowed: false, visible: visible.length > 0 };
}
