import { SESSIONS, USERS } from '../authz/access-bindings.js';
import * as repo from '../authz/repo.js';
import { rowForChange } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { type Tx, transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import type { BrowserSession } from './access-view.js';
import { browserSession } from './browser-session.js';
import { endSessions } from './end-sessions.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { reauthenticate } from './reauthenticate.js';
import { attemptSecondFactor, consumeCode, type Evaluation, refusalError } from './second-factor.js';
import { newSecret, secretHash } from './secrets.js';
import { type AccessConfig, SessionService } from './session-service.js';
import { INVALID, type SignIn, signIn, userActor } from './sign-in.js';

export type { AccessConfig } from './session-service.js';
export type { SignIn } from './sign-in.js';

/**
 * Sign-in, second factor, sessions and re-authentication, one face for routes and services. Sign-in
 * is in sign-in.ts, sessions in session-service.ts, re-authentication for signing in reauthenticate.ts.
 * Messages stay generic ("invalid credentials"); a login for an unknown e-mail costs the same as one
 * with a wrong password.
 */
export class AuthService {
  readonly #sessions: SessionService;

  constructor(
    private readonly deps: VaultDeps,
    private readonly config: AccessConfig,
  ) {
    this.#sessions = new SessionService(deps, config);
  }

  login(email: unknown, password: unknown, client?: string): Promise<Result<SignIn>> {
    return signIn(this.deps, this.config.maxHours, email, password, client);
  }

  /**
   * The second factor: a TOTP code (its time step consumed by compare-and-set) or a recovery code.
   * Wrong answers are counted before they are evaluated and lock the session, then the account
   * (second-factor.ts, mfa-policy.ts; ASVS 6.3.1, 6.5.1; 21 CFR 11.300(d)).
   */
  async verifyMfa(token: string, code: string): Promise<Result<SignIn>> {
    const session = await this.session(token, ['mfa']);
    if (!session.ok) return session;
    const { row, user } = session.value;
    return this.completeMfa(row, user.id, (trx, fresh) => consumeCode(trx, this.deps, fresh, code));
  }

  /** Runs one second-factor attempt for a session in state 'mfa'; accepted, the session becomes active. */
  async completeMfa(
    row: repo.SessionRow,
    userId: string,
    evaluate: (trx: Tx, user: repo.UserRow) => Promise<Evaluation>,
  ): Promise<Result<SignIn>> {
    type Attempt = { done: Awaited<ReturnType<typeof attemptSecondFactor>>; token: string };
    const attempt = await transact(this.deps.db, async (trx): Promise<Result<Attempt>> => {
      // The session becomes authenticated: a new token replaces the one issued after the password,
      // so a pre-MFA token (planted, logged or left in a shared browser) never becomes a signed-in
      // session (ASVS 7.2.4, session fixation). The same transaction, so exactly one token is live.
      const token = newSecret('tvs');
      const done = await attemptSecondFactor(
        trx,
        this.deps,
        userId,
        row.id,
        'auth.mfa',
        (user) => evaluate(trx, user),
        async () => {
          const now = this.deps.clock.now().toISOString();
          const changes = { state: 'active', mfa_at: now, last_seen_at: now, token_hash: secretHash(token) };
          await repo.updateSession(trx, row.id, changes as Partial<repo.SessionRow>);
          return [[SESSIONS, [row.id]]];
        },
      );
      return ok({ done, token: done.accepted ? token : '' });
    });
    if (!attempt.ok) return attempt;
    const { done, token } = attempt.value;
    if (!done.accepted) return err(refusalError(done.refusal));
    return ok({ token, state: 'active', userId });
  }

  /**
   * The actor of a signed-in session; idle and absolute timeouts end it (HIPAA 164.312(a)(2)(iii)).
   * The session and its user come from the access cache while the access epoch is unchanged.
   */
  authenticate(token: string): Promise<Result<Actor>> {
    return this.#sessions.authenticate(token);
  }

  /** Session facts for the web app: timeouts and the entry-draft key (browser-session.ts). */
  browserSession(token: string): Promise<Result<BrowserSession>> {
    return browserSession(this.deps, this.config, this.#sessions, token);
  }

  /** Ends every session of the user at once (ASVS 7.4.1). */
  logout(token: string): Promise<Result<{ ended: number }>> {
    return this.#sessions.logout(token);
  }

  async changePassword(token: string, current: string, next: string): Promise<Result<null>> {
    const session = await this.session(token, ['active']);
    if (!session.ok) return session;
    const { user } = session.value;
    if (!(await verifyPassword(user.password_hash, current))) return err(INVALID);
    const problem = passwordProblem(next, [user.email, user.name]);
    if (problem !== undefined)
      return err(appError('VALIDATION_FAILED', `The password ${problem}.`, { field: 'password' }));
    const hashed = await hashPassword(next);
    return transact(this.deps.db, async (trx): Promise<Result<null>> => {
      // Checked again inside the transaction, before its event seals it (review s13, H2).
      const checked = await rowForChange(this.deps, trx, USERS, [user.id]);
      if (!checked.ok) return checked;
      const now = this.deps.clock.now().toISOString();
      await repo.updateUser(trx, user.id, { password_hash: hashed, updated_at: now });
      const ended = await endSessions(this.deps, trx, user.id, now, 'password changed');
      await appendAuditEvent(trx, this.deps, {
        actor: userActor(user.id),
        action: 'auth.password',
        target: user.id,
        details: { sessionsEnded: ended.length },
        seals: [[USERS, [user.id]], ...ended.map((id) => [SESSIONS, [id]] as const)],
      });
      return ok(null);
    });
  }

  /** Re-authentication for an electronic signature (21 CFR 11.200(a)(1); reauthenticate.ts). */
  reauthenticate(
    actor: Actor,
    password: string,
    totp: string | undefined,
  ): Promise<Result<{ name: string }>> {
    return reauthenticate(this.deps, actor, password, totp);
  }

  /** A session of the token in one of the states, with its (active) user; timed-out sessions end. */
  session(
    token: string,
    states: readonly repo.SessionRow['state'][],
  ): Promise<Result<{ row: repo.SessionRow; user: repo.UserRow }>> {
    return this.#sessions.session(token, states);
  }
}
