import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { PASSKEYS, RECOVERY_CODES, SESSIONS, USERS } from '../authz/access-bindings.js';
import type { Authorizer } from '../authz/authorizer.js';
import * as repo from '../authz/repo.js';
import { trustRow } from '../authz/row-tamper.js';
import { rowForChange } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { type AppError, appError } from '../core/errors.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import type { SealTarget } from '../ledger/row-seal-store.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import type { GrantHeld, User } from './access-view.js';
import type { AuthService } from './auth-service.js';
import { endSessions } from './end-sessions.js';
import * as factors from './factor-repo.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { MFA_WRONG } from './second-factor.js';
import type { FactorChanges } from './totp-enrollment.js';
import { toUser } from './user-service.js';

/** The administrator's own re-authentication (password and current code) and whose account. */
export const adminResetSchema = z.strictObject({
  email: z.string().trim().toLowerCase().max(254),
  password: z.string().max(1024),
  code: z.string().max(32),
});

/** A user's own password change: the current password, the current second factor, the new password. */
export const ownPasswordSchema = z.strictObject({
  current: z.string().max(1024),
  next: z.string().max(1024),
  code: z.string().max(32).optional(),
});

/** A wrong password or code, said without telling which (no oracle for either; ASVS 6.3.8). */
const wrongCurrent = (error: AppError) =>
  err(error === MFA_WRONG ? appError('UNAUTHENTICATED', 'Your current password or code is wrong.') : error);

const sessionActor = (row: repo.SessionRow): Actor => ({
  kind: 'user',
  id: row.user_id,
  sessionId: row.id,
  mfa: row.mfa_at !== null,
});

/**
 * What a system administrator does to accounts beyond create/disable/unlock (issue #15 item 8), and a
 * user's own password change. Resets are done from a signed-in browser session only (never an API
 * token) and re-authenticate the administrator like a factor change does (password + current code,
 * counted: second-factor.ts; ASVS 6.4.x, 7.5.1). A reset password is a random one shown once to the
 * administrator, who passes it on; every session of the account ends (ASVS 7.4.3).
 */
export class AccountAdmin {
  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
    private readonly auth: AuthService,
    private readonly factorChanges: FactorChanges,
  ) {}

  /** Re-enables a disabled account (21 CFR 11.300(b): an administrator's audited decision). */
  async enable(actor: Actor, email: string): Promise<Result<User>> {
    const permit = await this.authorizer.authorize(actor, 'user.manage');
    if (!permit.ok) return permit;
    const found = await this.#user(email);
    if (!found.ok) return found;
    const user = found.value;
    if (user.status === 'active') return err(appError('CONFLICT', 'The account is already enabled.'));
    return transact(this.deps.db, async (trx): Promise<Result<User>> => {
      // Checked again inside the transaction, before its event seals it (review s13, H2).
      const checked = await rowForChange(this.deps, trx, USERS, [user.id]);
      if (!checked.ok) return checked;
      const now = this.deps.clock.now().toISOString();
      await repo.updateUser(trx, user.id, { status: 'active', updated_at: now });
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'user.enable',
        target: user.id,
        details: {},
        seals: [[USERS, [user.id]]],
      });
      return ok(toUser({ ...user, status: 'active' }));
    });
  }

  /** A user's active grants, with their ids for revoking (POST /api/v1/grants/:id). */
  async grants(actor: Actor, email: string): Promise<Result<GrantHeld[]>> {
    const permit = await this.authorizer.authorize(actor, 'user.manage');
    if (!permit.ok) return permit;
    const found = await this.#user(email);
    if (!found.ok) return found;
    return ok(
      (await repo.activeGrants(this.deps.db, found.value.id)).map((g) => ({
        id: g.id,
        role: g.role,
        studyId: g.study_id,
        siteId: g.site_id,
        createdAt: g.created_at,
      })),
    );
  }

  /** Sets a random temporary password (shown once) after the administrator re-authenticates. */
  async resetPassword(token: string, input: unknown): Promise<Result<{ temporaryPassword: string }>> {
    const temporaryPassword = randomBytes(18).toString('base64url');
    const hashed = await hashPassword(temporaryPassword);
    const done = await this.#reset(token, input, 'user.password.reset', async (trx, target, at) => {
      await repo.updateUser(trx, target.id, {
        password_hash: hashed,
        failed_attempts: 0,
        locked_until: null,
        updated_at: at,
      });
      return [];
    });
    return done.ok ? ok({ temporaryPassword }) : done;
  }

  /**
   * Removes the account's second factors (authenticator app, recovery codes, passkeys): at the next
   * sign-in a role that needs one sets a new one up before anything else (mfa-policy.ts).
   */
  async resetSecondFactor(token: string, input: unknown): Promise<Result<null>> {
    return this.#reset(token, input, 'user.mfa.reset', async (trx, target, at) => {
      await repo.updateUser(trx, target.id, {
        totp_enabled: 0,
        totp_secret_sealed: null,
        totp_pending_sealed: null,
        totp_last_step: null,
        mfa_failures: 0,
        mfa_locked_at: null,
        updated_at: at,
      });
      const codes = await repo.insertRecoveryCodes(trx, target.id, []);
      const keys = await factors.listPasskeys(trx, target.id);
      for (const key of keys) await factors.deletePasskey(trx, target.id, key.id);
      return [
        ...codes.map((k) => [RECOVERY_CODES, k] as const),
        ...keys.map((k) => [PASSKEYS, [k.id]] as const),
      ];
    });
  }

  async #reset(
    token: string,
    input: unknown,
    action: 'user.password.reset' | 'user.mfa.reset',
    change: (
      trx: Parameters<Parameters<typeof transact>[1]>[0],
      target: repo.UserRow,
      at: string,
    ) => Promise<SealTarget[]>,
  ): Promise<Result<null>> {
    const session = await this.auth.session(token, ['active']);
    if (!session.ok) return session;
    const { row, user: admin } = session.value;
    const actor = sessionActor(row);
    const permit = await this.authorizer.authorize(actor, 'user.manage');
    if (!permit.ok) return permit;
    const parsed = adminResetSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error));
    const found = await this.#user(parsed.data.email);
    if (!found.ok) return found;
    const target = found.value;
    // One's own password and factors change through the self-service paths, which ask for the current
    // ones; a reset of oneself would skip that check (ASVS 6.4.3).
    if (target.id === admin.id)
      return this.authorizer.refuse(
        actor,
        'user.manage',
        undefined,
        appError('FORBIDDEN', 'Change your own password or second factor on your account page.'),
      );
    const done = await transact(this.deps.db, async (trx) => {
      // The target's row checked again inside the transaction, before its event seals it (review s13).
      const stored = await rowForChange(this.deps, trx, USERS, [target.id]);
      if (!stored.ok) return stored;
      // The re-authentication is counted and commits even when refused (second-factor.ts).
      const checked = await this.factorChanges.reauthenticate(
        row,
        admin,
        { password: parsed.data.password, code: parsed.data.code },
        undefined,
        trx,
      );
      if (!checked.ok) return ok(wrongCurrent(checked.error));
      const at = this.deps.clock.now().toISOString();
      const rows = await change(trx, target, at);
      const ended = await endSessions(this.deps, trx, target.id, at, action);
      await appendAuditEvent(trx, this.deps, {
        actor,
        action,
        target: target.id,
        details: { sessionsEnded: ended.length },
        seals: [[USERS, [target.id]], ...rows, ...ended.map((id) => [SESSIONS, [id]] as const)],
      });
      return ok(ok(null));
    });
    return done.ok ? done.value : done;
  }

  /**
   * Everyone's own password change: the current password and the current second factor (counted like
   * a sign-in, so guessing the current password locks out; ASVS 6.2.3, 6.3.1), the password policy of
   * passwords.ts; the user's other sessions end (ASVS 7.4.3); audited.
   */
  async changeOwnPassword(token: string, input: unknown): Promise<Result<{ ended: number }>> {
    const session = await this.auth.session(token, ['active']);
    if (!session.ok) return session;
    const { row, user } = session.value;
    const parsed = ownPasswordSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error));
    const problem = passwordProblem(parsed.data.next, [user.email, user.name]);
    if (problem !== undefined)
      return err(appError('VALIDATION_FAILED', `The new password ${problem}.`, { field: 'next' }));
    const hashed = await hashPassword(parsed.data.next);
    const done = await transact(this.deps.db, async (trx) => {
      // Checked again inside the transaction, before its event seals it (review s13, H2).
      const stored = await rowForChange(this.deps, trx, USERS, [user.id]);
      if (!stored.ok) return stored;
      const checked = await this.factorChanges.reauthenticate(
        row,
        user,
        { password: parsed.data.current, code: parsed.data.code },
        undefined,
        trx,
      );
      if (!checked.ok) return ok(wrongCurrent(checked.error));
      const at = this.deps.clock.now().toISOString();
      await repo.updateUser(trx, user.id, { password_hash: hashed, updated_at: at });
      const ended = await endSessions(this.deps, trx, user.id, at, 'password changed', row.id);
      await appendAuditEvent(trx, this.deps, {
        actor: sessionActor(row),
        action: 'auth.password',
        target: user.id,
        details: { sessionsEnded: ended.length },
        seals: [[USERS, [user.id]], ...ended.map((id) => [SESSIONS, [id]] as const)],
      });
      return ok(ok({ ended: ended.length }));
    });
    return done.ok ? done.value : done;
  }

  async #user(email: string): Promise<Result<repo.UserRow>> {
    const found = await trustRow(
      this.deps,
      USERS,
      await repo.findUserByEmail(this.deps.db, email.trim().toLowerCase()),
    );
    if (!found.ok) return found;
    return found.value === undefined ? err(appError('NOT_FOUND', 'No such user.')) : ok(found.value);
  }
}
