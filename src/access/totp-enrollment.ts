import { ALERTS, RECOVERY_CODES as RECOVERY_CODE_ROWS, SESSIONS, USERS } from '../authz/access-bindings.js';
import * as repo from '../authz/repo.js';
import { isRole, requiresMfa } from '../authz/roles.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import type { AuditAction } from '../ledger/audit-event.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import type { SealTarget } from '../ledger/row-seal-store.js';
import { type Tx, transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import type { AuthService } from './auth-service.js';
import { endSessions } from './end-sessions.js';
import * as factors from './factor-repo.js';
import { RECOVERY_CODES } from './mfa-policy.js';
import { verifyPassword } from './passwords.js';
import { attemptSecondFactor, consumeCode, type Evaluation, refusalError } from './second-factor.js';
import { newRecoveryCode, newSecret, secretHash } from './secrets.js';
import { signedInForChange } from './signed-in-for-change.js';
import { checkTotp, newTotpSecret, totpUri } from './totp.js';

/** Re-authentication before a second factor changes: the password and a current factor. */
export interface Reauth {
  readonly password?: string | undefined;
  /** A current TOTP code or an unused recovery code. */
  readonly code?: string | undefined;
  /** Or a passkey assertion (WebAuthn), verified by the passkey service. */
  readonly passkey?: unknown;
}

export type ProofCheck = (trx: Tx, user: repo.UserRow) => Promise<Evaluation>;

export const REAUTH_NEEDED = appError(
  'UNAUTHENTICATED',
  'Changing a second factor needs your password and a current code (or a recovery code or passkey).',
);

const userActor = (id: string): Actor => ({ kind: 'user', id, mfa: true });

/**
 * Adding, replacing and removing second factors (ASVS 6.4.x, 7.5.1; issue #12 finding 3): a user who
 * already has a factor must give the password and a current factor again, counted like a sign-in
 * attempt (mfa-policy.ts); a new TOTP secret waits beside the old one, which keeps working until a code
 * from the new one confirms it; a change is audited, raises an alert and ends the user's other
 * sessions (ASVS 7.4.3). First enrolment (no factor yet) at sign-in needs only the signed-in session.
 */
export class FactorChanges {
  constructor(
    private readonly deps: VaultDeps,
    private readonly auth: AuthService,
    private readonly passkeyProof: (sessionId: string, assertion: unknown, rp: RelyingParty) => ProofCheck,
  ) {}

  /** Whether the user has any second factor now. */
  async hasFactor(user: repo.UserRow): Promise<boolean> {
    return Number(user.totp_enabled) === 1 || (await factors.listPasskeys(this.deps.db, user.id)).length > 0;
  }

  /**
   * Checks the re-authentication (inside a transaction, counted): the password, and a current factor
   * when the user has one. Answers the refusal's error, or ok.
   */
  async reauthenticate(
    row: repo.SessionRow,
    user: repo.UserRow,
    reauth: Reauth,
    rp: RelyingParty | undefined,
    trx: Tx,
  ): Promise<Result<null>> {
    const needsFactor = await this.hasFactor(user);
    if (
      typeof reauth.password !== 'string' ||
      (needsFactor && reauth.code === undefined && reauth.passkey === undefined)
    )
      return err(REAUTH_NEEDED);
    const passwordOk = await verifyPassword(user.password_hash, reauth.password.slice(0, 1024));
    const done = await attemptSecondFactor(trx, this.deps, user.id, row.id, 'auth.reauth', async (fresh) => {
      // A wrong password consumes no code: the factor is tried only after the password matched.
      if (!passwordOk) return { ok: false, method: 'password' };
      if (!needsFactor) return { ok: true, method: 'password' };
      if (reauth.code !== undefined) return consumeCode(trx, this.deps, fresh, reauth.code);
      if (rp === undefined) return { ok: false, method: 'passkey' };
      return this.passkeyProof(row.id, reauth.passkey, rp)(trx, fresh);
    });
    return done.accepted ? ok(null) : err(refusalError(done.refusal));
  }

  /**
   * Starts TOTP enrolment: a new secret, kept pending (the current one, if any, still works).
   * With a factor already, or from an active session, only after re-authentication.
   */
  async beginTotp(token: string, reauth: Reauth): Promise<Result<{ secret: string; uri: string }>> {
    const session = await this.auth.session(token, ['enroll', 'active']);
    if (!session.ok) return session;
    const { row, user } = session.value;
    const first = row.state === 'enroll' && !(await this.hasFactor(user));
    const secret = newTotpSecret();
    const sealed = await this.deps.keyring.sealSecret(Buffer.from(secret), `totp/${user.id}`);
    const done = await transact(this.deps.db, async (trx) => {
      if (!first) {
        const checked = await this.reauthenticate(row, user, reauth, undefined, trx);
        if (!checked.ok) return ok(checked);
      }
      // The row this event seals, again inside the transaction, locked and checked (review s13).
      const current = await signedInForChange(this.deps, trx, row.id, user.id);
      if (!current.ok) return ok(current);
      await repo.updateUser(trx, user.id, { totp_pending_sealed: sealed });
      await appendAuditEvent(trx, this.deps, {
        actor: userActor(user.id),
        action: 'auth.mfa.enroll.start',
        target: user.id,
        details: { first },
        seals: [[USERS, [user.id]]],
      });
      return ok(ok(null));
    });
    if (!done.ok) return done;
    if (!done.value.ok) return done.value;
    return ok({ secret, uri: totpUri(secret, user.email) });
  }

  /**
   * Confirms the pending TOTP secret with a code from it; the code's time step must be later than any
   * step accepted before (a code used to sign in is refused here), consumed by compare-and-set.
   * Returns the new single-use recovery codes, shown once.
   */
  async confirmTotp(
    token: string,
    code: string,
  ): Promise<Result<{ recoveryCodes: string[]; token?: string }>> {
    const session = await this.auth.session(token, ['enroll', 'active']);
    if (!session.ok) return session;
    const { row, user: signedIn } = session.value;
    const codes = Array.from({ length: RECOVERY_CODES }, () => newRecoveryCode());
    return transact(this.deps.db, async (trx) => {
      // Both rows this change seals, again inside the transaction, locked and checked (review s13).
      const current = await signedInForChange(this.deps, trx, row.id, signedIn.id);
      if (!current.ok) return current;
      const { user } = current.value;
      const pending =
        user?.totp_pending_sealed == null
          ? null
          : await this.deps.keyring.openSecret(user.totp_pending_sealed, `totp/${user.id}`);
      if (user === undefined || pending === null)
        return err(appError('UNAUTHENTICATED', 'Start the enrolment first.'));
      const last = user.totp_last_step === null ? null : Number(user.totp_last_step);
      const step = await checkTotp(pending.toString(), code.trim(), last, this.deps.clock.now());
      if (step === null || !(await factors.consumeTotpStep(trx, user.id, step)))
        return err(
          appError('UNAUTHENTICATED', 'Invalid code: wait for the next code of the app and try again.'),
        );
      const now = this.deps.clock.now().toISOString();
      const replaced = await this.hasFactor(user);
      await repo.updateUser(trx, user.id, {
        totp_secret_sealed: user.totp_pending_sealed,
        totp_pending_sealed: null,
        totp_enabled: 1,
        updated_at: now,
      });
      const codeKeys = await repo.insertRecoveryCodes(
        trx,
        user.id,
        codes.map((c) => secretHash(c)),
      );
      // First enrolment activates the session: like an accepted second factor, it gets a new token,
      // so the token issued after the password never becomes a signed-in session (ASVS 7.2.4).
      const fresh = row.state === 'enroll' ? newSecret('tvs') : undefined;
      await repo.updateSession(trx, row.id, {
        state: 'active',
        mfa_at: now,
        ...(fresh === undefined ? {} : { token_hash: secretHash(fresh) }),
      });
      await this.#changed(
        trx,
        user.id,
        row.id,
        replaced ? 'auth.mfa.change' : 'auth.mfa.enroll',
        { factor: 'totp' },
        [[SESSIONS, [row.id]], ...codeKeys.map((k) => [RECOVERY_CODE_ROWS, k] as const)],
      );
      return ok({ recoveryCodes: codes, ...(fresh === undefined ? {} : { token: fresh }) });
    });
  }

  /** Removes TOTP (and the recovery codes): only when a passkey remains or no role needs MFA. */
  async removeTotp(token: string, reauth: Reauth): Promise<Result<null>> {
    const session = await this.auth.session(token, ['active']);
    if (!session.ok) return session;
    const { row, user } = session.value;
    if (Number(user.totp_enabled) !== 1) return err(appError('NOT_FOUND', 'No authenticator app is set up.'));
    const passkeys = (await factors.listPasskeys(this.deps.db, user.id)).length;
    const roles = (await repo.activeGrants(this.deps.db, user.id)).map((g) => g.role).filter(isRole);
    if (passkeys === 0 && roles.some(requiresMfa))
      return err(
        appError('FORBIDDEN', 'Your role needs a second factor: add a passkey before removing the app.'),
      );
    const done = await transact(this.deps.db, async (trx) => {
      const checked = await this.reauthenticate(row, user, reauth, undefined, trx);
      if (!checked.ok) return ok(checked);
      await repo.updateUser(trx, user.id, {
        totp_enabled: 0,
        totp_secret_sealed: null,
        totp_pending_sealed: null,
        updated_at: this.deps.clock.now().toISOString(),
      });
      const removed = await repo.insertRecoveryCodes(trx, user.id, []);
      await this.#changed(
        trx,
        user.id,
        row.id,
        'auth.mfa.remove',
        { factor: 'totp' },
        removed.map((k) => [RECOVERY_CODE_ROWS, k] as const),
      );
      return ok(ok(null));
    });
    return done.ok ? done.value : done;
  }

  /**
   * A factor was added, replaced or removed: audit, alert, and the other sessions end (ASVS 7.4.3).
   * The event seals the user, the sessions ended, the alert and the rows the caller changed (`rows`).
   */
  async #changed(
    trx: Tx,
    userId: string,
    sessionId: string,
    action: AuditAction,
    details: Record<string, unknown>,
    rows: readonly SealTarget[] = [],
  ) {
    const at = this.deps.clock.now().toISOString();
    const ended = await endSessions(this.deps, trx, userId, at, 'second factor changed', sessionId);
    const alertId = newId();
    if (action !== 'auth.mfa.enroll') {
      await repo.insertAlert(trx, {
        id: alertId,
        kind: 'account.mfa_changed',
        user_id: userId,
        study_id: null,
        at,
        details: JSON.stringify({ action, ...details }),
        acknowledged_at: null,
      });
    }
    await appendAuditEvent(trx, this.deps, {
      actor: userActor(userId),
      action,
      target: userId,
      details: { ...details, sessionsEnded: ended.length },
      seals: [
        [USERS, [userId]],
        ...ended.map((id) => [SESSIONS, [id]] as const),
        ...(action === 'auth.mfa.enroll' ? [] : [[ALERTS, [alertId]] as const]),
        ...rows,
      ],
    });
  }

  /** For the passkey service: the same audit, alert and session ending. */
  changed(
    trx: Tx,
    userId: string,
    sessionId: string,
    action: AuditAction,
    details: Record<string, unknown>,
    rows: readonly SealTarget[] = [],
  ) {
    return this.#changed(trx, userId, sessionId, action, details, rows);
  }
}

/** The WebAuthn relying party a request speaks to: its RP ID and the origin the browser must report. */
export interface RelyingParty {
  readonly rpId: string;
  readonly origin: string;
}
