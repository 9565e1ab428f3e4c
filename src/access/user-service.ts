import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { GRANTS, SESSIONS, USERS } from '../authz/access-bindings.js';
import type { Authorizer } from '../authz/authorizer.js';
import * as repo from '../authz/repo.js';
import { isRole, ROLE_DEFINITIONS, ROLES } from '../authz/roles.js';
import { reportTamper, trustRow } from '../authz/row-tamper.js';
import { rowForChange, sameRowForChange } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { untrustedRow } from '../ledger/row-trust.js';
import { transact } from '../storage/transact.js';
import { checkedSite, checkedStudy } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import type { GrantView, Me, RoleHolding, User } from './access-view.js';
import { endSessions } from './end-sessions.js';
import { hashPassword, passwordProblem } from './passwords.js';

export type { User } from './access-view.js';

export const newUserSchema = z.strictObject({
  email: z.string().trim().toLowerCase().pipe(z.email().max(254)),
  name: z.string().trim().min(1).max(200),
  password: z.string().optional(),
  isDemo: z.boolean().optional(),
});

export const grantSchema = z.strictObject({
  email: z.string().trim().toLowerCase(),
  role: z.enum(ROLES),
  study: z.string().min(1).max(64).optional(),
  site: z.string().min(1).max(64).optional(),
});

export const toUser = (row: repo.UserRow): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  status: row.status,
  mfa: Number(row.totp_enabled) === 1,
  createdAt: row.created_at,
});

/**
 * Accounts are created by administrators only (no self sign-up), unique and never reassigned or deleted,
 * only disabled (21 CFR 11.100(a), 11.300(a)).
 */
export class UserService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
  ) {}

  /** Creates a user; without a password, a random one is made and returned once. */
  async addUser(actor: Actor, input: unknown): Promise<Result<{ user: User; initialPassword?: string }>> {
    const permit = await this.authorizer.authorize(actor, 'user.manage');
    if (!permit.ok) return permit;
    const parsed = newUserSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error));
    const { email, name } = parsed.data;
    const generated = parsed.data.password === undefined ? randomBytes(18).toString('base64url') : undefined;
    const password = parsed.data.password ?? generated ?? '';
    const problem = passwordProblem(password, [email, name]);
    if (problem !== undefined)
      return err(appError('VALIDATION_FAILED', `The password ${problem}.`, { field: 'password' }));
    if ((await repo.findUserByEmail(this.deps.db, email)) !== undefined) {
      return err(appError('ALREADY_EXISTS', 'A user with this e-mail exists; e-mails are never reassigned.'));
    }
    const passwordHash = await hashPassword(password);
    return transact(this.deps.db, async (trx) => {
      const now = this.deps.clock.now().toISOString();
      const row: repo.UserRow = {
        id: newId(),
        email,
        name,
        password_hash: passwordHash,
        status: 'active',
        is_demo: parsed.data.isDemo === true ? 1 : 0,
        failed_attempts: 0,
        lockouts: 0,
        locked_until: null,
        totp_secret_sealed: null,
        totp_enabled: 0,
        totp_last_step: null,
        mfa_failures: 0,
        mfa_locked_at: null,
        totp_pending_sealed: null,
        created_at: now,
        updated_at: now,
      };
      await repo.insertUser(trx, row);
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'user.create',
        target: row.id,
        details: { demo: row.is_demo === 1 },
        seals: [[USERS, [row.id]]],
      });
      return ok(
        generated === undefined ? { user: toUser(row) } : { user: toUser(row), initialPassword: generated },
      );
    });
  }

  /** Grants a role in a study (optionally one site), or a system role. */
  async grant(actor: Actor, input: unknown): Promise<Result<GrantView>> {
    const parsed = grantSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error));
    const { role, email } = parsed.data;
    const system = ROLE_DEFINITIONS[role].system === true;
    // The study and site rows only when their MACs hold (review s13, H4: site codes swapped in SQL
    // put a grant "at S01" on S02).
    const foundStudy =
      parsed.data.study === undefined ? ok(undefined) : await checkedStudy(this.deps, parsed.data.study);
    if (!foundStudy.ok) return foundStudy;
    const study = foundStudy.value;
    if (!system && study === undefined)
      return err(appError('VALIDATION_FAILED', 'A study role needs an existing --study.'));
    if (system && (parsed.data.study !== undefined || parsed.data.site !== undefined)) {
      return err(appError('VALIDATION_FAILED', 'A system role is granted without a study or site.'));
    }
    // Only a system administrator grants system roles; study administrators grant within their study.
    const scope =
      system || study === undefined ? undefined : { studyId: study.id, resource: 'study' as const };
    const permit = await this.authorizer.authorize(actor, 'grant.manage', scope);
    if (!permit.ok) return permit;
    const foundSite =
      study === undefined || parsed.data.site === undefined
        ? ok(undefined)
        : await checkedSite(this.deps, study.id, parsed.data.site);
    if (!foundSite.ok) return foundSite;
    const site = foundSite.value;
    if (parsed.data.site !== undefined && site === undefined)
      return err(appError('NOT_FOUND', 'No such site in the study.'));
    // A grant reaches no further than the granter's own: a study-wide role needs a study-wide
    // grant.manage, a site role one that covers the site (ASVS 8.2.1).
    const sites = permit.value.sites;
    if (sites !== 'all' && (site === undefined || !sites.has(site.id))) {
      return this.authorizer.refuse(
        actor,
        'grant.manage',
        scope,
        site === undefined
          ? appError('FORBIDDEN', 'You can grant roles only at the sites your own grant covers.')
          : appError('NOT_FOUND', 'No such site in the study.'),
      );
    }
    // The account named is the row as sealed: e-mails swapped in SQL never send the grant elsewhere.
    const found = await trustRow(this.deps, USERS, await repo.findUserByEmail(this.deps.db, email));
    if (!found.ok) return found;
    const user = found.value;
    if (user === undefined) return err(appError('NOT_FOUND', 'No such user.'));
    // Nobody grants themselves a role: a second person decides every rise in one's own rights
    // (separation of duties; ASVS 8.2.1, 8.3.1; 21 CFR 11.10(g)). The operator (CLI) is not a user.
    if (actor.kind !== 'system' && (actor.kind === 'user' ? actor.id : '') === user.id) {
      return this.authorizer.refuse(
        actor,
        'grant.manage',
        scope,
        appError('FORBIDDEN', 'You cannot grant a role to yourself; ask another administrator.'),
      );
    }
    return transact(this.deps.db, async (trx) => {
      // ...and still that row as the grant is written (review s13, attack-seals 1).
      const same = await sameRowForChange(this.deps, trx, USERS, user);
      if (!same.ok) return same;
      const row: repo.GrantRow = {
        id: newId(),
        user_id: user.id,
        study_id: study?.id ?? null,
        site_id: site?.id ?? null,
        role,
        created_at: this.deps.clock.now().toISOString(),
        revoked_at: null,
      };
      await repo.insertGrant(trx, row);
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'grant.create',
        studyId: row.study_id,
        target: user.id,
        details: { role, site: site?.code ?? null },
        seals: [[GRANTS, [row.id]]],
      });
      return ok({ id: row.id, role, study: study?.protocol_id ?? null, site: site?.code ?? null });
    });
  }

  /** Revokes a grant; the user's next call is decided without it. */
  async revokeGrant(actor: Actor, grantId: string): Promise<Result<{ id: string }>> {
    const found = await trustRow(this.deps, GRANTS, await repo.findGrant(this.deps.db, grantId));
    if (!found.ok) return found;
    const grant = found.value;
    if (grant === undefined) return err(appError('NOT_FOUND', 'No such grant.'));
    const scope =
      grant.study_id === null
        ? undefined
        : { studyId: grant.study_id, siteId: grant.site_id ?? undefined, resource: 'study' as const };
    const permit = await this.authorizer.authorize(actor, 'grant.manage', scope);
    if (!permit.ok) return permit;
    // A study-wide grant is revoked only by a study-wide grant.manage (ASVS 8.2.1).
    if (scope !== undefined && grant.site_id === null && permit.value.sites !== 'all') {
      return this.authorizer.refuse(
        actor,
        'grant.manage',
        scope,
        appError('FORBIDDEN', 'You can revoke grants only at the sites your own grant covers.'),
      );
    }
    return transact(this.deps.db, async (trx) => {
      // The row revoked is the one checked above, unchanged: its event seals it (review s13).
      const same = await sameRowForChange(this.deps, trx, GRANTS, grant);
      if (!same.ok) return same;
      if (!(await repo.revokeOnce(trx, 'grants', grant.id, this.deps.clock.now().toISOString()))) {
        return err(appError('CONFLICT', 'The grant was already revoked.'));
      }
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'grant.revoke',
        studyId: grant.study_id,
        target: grant.user_id,
        details: { role: grant.role },
        seals: [[GRANTS, [grant.id]]],
      });
      return ok({ id: grant.id });
    });
  }

  /** Disables an account: it can no longer sign in, and its sessions end at once (ASVS 7.4.2). */
  async disable(actor: Actor, email: string): Promise<Result<User>> {
    const permit = await this.authorizer.authorize(actor, 'user.manage');
    if (!permit.ok) return permit;
    const found = await this.#user(email);
    if (!found.ok) return found;
    const user = found.value;
    return transact(this.deps.db, async (trx): Promise<Result<User>> => {
      // Checked again inside the transaction, before its event seals it (review s13, H2).
      const checked = await rowForChange(this.deps, trx, USERS, [user.id]);
      if (!checked.ok) return checked;
      const now = this.deps.clock.now().toISOString();
      await repo.updateUser(trx, user.id, { status: 'disabled', updated_at: now });
      const ended = await endSessions(this.deps, trx, user.id, now, 'disabled');
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'user.disable',
        target: user.id,
        details: { sessionsEnded: ended.length },
        seals: [[USERS, [user.id]], ...ended.map((id) => [SESSIONS, [id]] as const)],
      });
      return ok(toUser({ ...user, status: 'disabled' }));
    });
  }

  /**
   * Unlocks an account locked by wrong passwords or wrong second-factor answers (mfa-policy.ts): an
   * administrator's audited decision (21 CFR 11.300(d)), which also resets the counters.
   */
  async unlock(actor: Actor, email: string): Promise<Result<User & { wasLocked: boolean }>> {
    const permit = await this.authorizer.authorize(actor, 'user.manage');
    if (!permit.ok) return permit;
    const found = await this.#user(email);
    if (!found.ok) return found;
    const user = found.value;
    return transact(this.deps.db, async (trx): Promise<Result<User & { wasLocked: boolean }>> => {
      // Checked again inside the transaction, before its event seals it (review s13, H2).
      const checked = await rowForChange(this.deps, trx, USERS, [user.id]);
      if (!checked.ok) return checked;
      const now = this.deps.clock.now().toISOString();
      const secondFactor = user.mfa_locked_at !== null;
      const password = user.locked_until !== null && user.locked_until > now;
      await repo.updateUser(trx, user.id, {
        mfa_locked_at: null,
        mfa_failures: 0,
        failed_attempts: 0,
        locked_until: null,
        updated_at: now,
      });
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'user.unlock',
        target: user.id,
        details: { secondFactor, password },
        seals: [[USERS, [user.id]]],
      });
      return ok({ ...toUser(user), wasLocked: secondFactor || password });
    });
  }

  /** The user of an e-mail, when its row MAC holds: a forged row is never sealed over (issue #17). */
  async #user(email: string): Promise<Result<repo.UserRow>> {
    const found = await trustRow(
      this.deps,
      USERS,
      await repo.findUserByEmail(this.deps.db, email.trim().toLowerCase()),
    );
    if (!found.ok) return found;
    return found.value === undefined ? err(appError('NOT_FOUND', 'No such user.')) : ok(found.value);
  }

  async list(actor: Actor): Promise<Result<User[]>> {
    const permit = await this.authorizer.authorize(actor, 'user.manage');
    if (!permit.ok) return permit;
    return ok((await repo.listUsers(this.deps.db)).map(toUser));
  }

  /** The signed-in caller: account, second factor and roles (for the web app). */
  async me(actor: Actor): Promise<Result<Me>> {
    if (actor.kind !== 'user') return ok({ actor: actor.kind });
    const user = await repo.findUser(this.deps.db, actor.id);
    if (user === undefined) return err(appError('UNAUTHENTICATED', 'Sign in first.'));
    return ok({
      actor: 'user',
      user: { id: user.id, email: user.email, name: user.name },
      mfa: actor.mfa,
      roles: await this.roles(actor.id),
    });
  }

  /**
   * The roles a user holds (for the web app). A grant whose row MAC fails (a role changed in SQL) is
   * not shown (R17-6): authorization refuses it anyway; it is reported (audit event and alert,
   * authz/row-tamper.ts) and dropped, so that the caller's other roles still show.
   */
  async roles(userId: string): Promise<RoleHolding[]> {
    const held: RoleHolding[] = [];
    for (const g of await repo.activeGrants(this.deps.db, userId)) {
      const bad = untrustedRow(this.deps.db, this.deps.keyring, GRANTS, [g]);
      if (bad !== undefined) {
        await reportTamper(this.deps, GRANTS, bad);
        continue;
      }
      if (isRole(g.role)) held.push({ role: g.role, studyId: g.study_id, siteId: g.site_id });
    }
    return held;
  }
}
