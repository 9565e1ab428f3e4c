import { ALERTS, RECOVERY_CODES, SESSIONS, USERS } from '../authz/access-bindings.js';
import * as repo from '../authz/repo.js';
import { recordTamper } from '../authz/row-tamper.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AuditAction } from '../ledger/audit-event.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import type { SealedRow } from '../ledger/row-seal.js';
import { readSealedRow, resealRow, rowTampered, type SealTarget } from '../ledger/row-seal-store.js';
import { untrustedRow } from '../ledger/row-trust.js';
import type { TableBinding } from '../ledger/table-binding.js';
import type { Tx } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import { endSessions } from './end-sessions.js';
import * as factors from './factor-repo.js';
import { ACCOUNT_MFA_FAILURES, SESSION_MFA_FAILURES } from './mfa-policy.js';
import { secretHash } from './secrets.js';
import { checkTotp } from './totp.js';

/** What was asked of the second factor, and how it ended. */
export type Attempt =
  | { readonly accepted: true; readonly method: string }
  | { readonly accepted: false; readonly method: string; readonly refusal: Refusal };

/**
 * 'wrong': try again; 'session': this session has ended; 'account': the account is locked;
 * 'tampered': the user row failed its row MAC (issue #17).
 */
export type Refusal =
  | 'wrong'
  | 'session'
  | 'account'
  | 'tampered-user'
  | 'tampered-session'
  | 'tampered-code'
  | 'tampered-passkey';

export const MFA_ACCOUNT_LOCKED = appError(
  'ACCOUNT_LOCKED',
  'This account is locked after too many wrong second-factor answers: an administrator must unlock it.',
);
export const MFA_SESSION_ENDED = appError(
  'UNAUTHENTICATED',
  'Too many wrong codes: this sign-in has ended. Sign in again.',
);
export const MFA_WRONG = appError('UNAUTHENTICATED', 'Invalid code.');

export function refusalError(refusal: Refusal) {
  if (refusal === 'tampered-user') return rowTampered('users');
  if (refusal === 'tampered-session') return rowTampered('sessions');
  if (refusal === 'tampered-code') return rowTampered('recovery_codes');
  if (refusal === 'tampered-passkey') return rowTampered('passkeys');
  return refusal === 'account' ? MFA_ACCOUNT_LOCKED : refusal === 'session' ? MFA_SESSION_ENDED : MFA_WRONG;
}

/** What a second-factor evaluation decided, and the row-sealed rows it changed (a used recovery code). */
export interface Evaluation {
  readonly ok: boolean;
  readonly method: string;
  readonly seals?: readonly SealTarget[];
  /** A row the evaluation refused because it failed its check: reported in the attempt's transaction. */
  readonly tampered?: readonly [TableBinding, SealedRow];
}

/**
 * One second-factor attempt, inside the caller's transaction (ASVS 6.3.1, 6.5.1; 21 CFR 11.300(d)):
 * 1. the attempt is reserved first, by conditional increments of the session's and the account's
 *    counters (`where mfa_failures < limit`), so that however many requests arrive at once, no more
 *    than the limits are ever evaluated;
 * 2. `evaluate` decides, reading the user row again inside the transaction;
 * 3. accepted: both counters go back to 0; refused: at the session limit the session ends, at the
 *    account limit the account locks, its sessions end, and an alert is raised.
 * Every attempt is an audit event. Refusals commit (the caller returns ok), so the count stays.
 */
export async function attemptSecondFactor(
  trx: Tx,
  deps: VaultDeps,
  userId: string,
  sessionId: string | undefined,
  action: AuditAction,
  evaluate: (user: repo.UserRow) => Promise<Evaluation>,
  /** Runs when the answer is accepted, before its event: the rows it changes are sealed by that event. */
  onAccepted?: () => Promise<readonly SealTarget[]>,
): Promise<Attempt> {
  const at = deps.clock.now().toISOString();
  const actor: Actor = { kind: 'user', id: userId, mfa: false };
  // The user and session rows this attempt seals, read again inside its transaction and locked (issue
  // #17; review s13: checked only when the session was read, a session's user_id or a password hash
  // changed in SQL meanwhile was sealed by the attempt's event).
  const before = (await readSealedRow(trx, USERS, [userId], true)) as repo.UserRow | undefined;
  // A refusal commits: the tampering is reported in this transaction (audit event and alert), before
  // anything is decided on the row (a forged lock is reported, not taken for a lock).
  const user0: SealedRow = before ?? { id: userId, row_seq: null, row_mac: null };
  if (untrustedRow(deps.db, deps.keyring, USERS, [user0]) !== undefined) {
    await recordTamper(trx, deps, USERS, user0);
    return { accepted: false, method: 'none', refusal: 'tampered-user' };
  }
  // A locked account costs no write (and no access-epoch advance) per attempt.
  if (before === undefined || before.mfa_locked_at !== null)
    return { accepted: false, method: 'none', refusal: 'account' };
  if (sessionId !== undefined) {
    const session = await readSealedRow(trx, SESSIONS, [sessionId], true);
    if (session !== undefined && untrustedRow(deps.db, deps.keyring, SESSIONS, [session]) !== undefined) {
      await recordTamper(trx, deps, SESSIONS, session);
      return { accepted: false, method: 'none', refusal: 'tampered-session' };
    }
    if (session === undefined || session.user_id !== userId || session.ended_at !== null)
      return { accepted: false, method: 'none', refusal: 'session' };
  }
  // The rows every attempt writes (its counters), sealed by the attempt's event.
  const written: SealTarget[] = [
    [USERS, [userId]],
    ...(sessionId === undefined ? [] : [[SESSIONS, [sessionId]] as const]),
  ];
  if (
    sessionId !== undefined &&
    !(await factors.reserveSessionMfaAttempt(trx, sessionId, SESSION_MFA_FAILURES))
  )
    return { accepted: false, method: 'none', refusal: 'session' };
  if (!(await factors.reserveUserMfaAttempt(trx, userId, ACCOUNT_MFA_FAILURES))) {
    // The session's counter moved without an event: its MAC follows (a volatile column).
    if (sessionId !== undefined) await resealRow(trx, deps.keyring, SESSIONS, [sessionId]);
    return { accepted: false, method: 'none', refusal: 'account' };
  }
  const user = await repo.findUser(trx, userId);
  if (user === undefined) return { accepted: false, method: 'none', refusal: 'account' };
  const result = await evaluate(user);
  if (result.ok) {
    await factors.resetMfaFailures(trx, userId, sessionId);
    const changed = onAccepted === undefined ? [] : await onAccepted();
    await appendAuditEvent(trx, deps, {
      actor,
      action,
      target: userId,
      details: { method: result.method },
      seals: [...written, ...(result.seals ?? []), ...changed],
    });
    return { accepted: true, method: result.method };
  }
  const sessionFailures = sessionId === undefined ? 0 : await factors.sessionMfaFailures(trx, sessionId);
  const accountFailures = Number(user.mfa_failures);
  await appendAuditEvent(trx, deps, {
    actor,
    action,
    outcome: 'failure',
    target: userId,
    details: { method: result.method, sessionFailures, accountFailures },
    seals: written,
  });
  if (result.tampered !== undefined) {
    await recordTamper(trx, deps, ...result.tampered);
    const refusal = result.tampered[0] === RECOVERY_CODES ? 'tampered-code' : 'tampered-passkey';
    return { accepted: false, method: result.method, refusal };
  }
  if (accountFailures >= ACCOUNT_MFA_FAILURES) {
    await repo.updateUser(trx, userId, { mfa_locked_at: at });
    const ended = await endSessions(deps, trx, userId, at, 'second factor locked');
    const alertId = newId();
    await repo.insertAlert(trx, {
      id: alertId,
      kind: 'account.mfa_locked',
      user_id: userId,
      study_id: null,
      at,
      details: JSON.stringify({ failures: ACCOUNT_MFA_FAILURES }),
      acknowledged_at: null,
    });
    await appendAuditEvent(trx, deps, {
      actor,
      action: 'auth.lockout',
      outcome: 'failure',
      target: userId,
      details: { factor: 'second', failures: ACCOUNT_MFA_FAILURES, sessionsEnded: ended.length },
      seals: [[USERS, [userId]], [ALERTS, [alertId]], ...ended.map((id) => [SESSIONS, [id]] as const)],
    });
    return { accepted: false, method: result.method, refusal: 'account' };
  }
  if (sessionId !== undefined && sessionFailures >= SESSION_MFA_FAILURES) {
    await repo.updateSession(trx, sessionId, { ended_at: at, end_reason: 'second factor failures' });
    await appendAuditEvent(trx, deps, {
      actor,
      action: 'session.end',
      target: userId,
      details: { reason: 'second factor failures' },
      seals: [[SESSIONS, [sessionId]]],
    });
    return { accepted: false, method: result.method, refusal: 'session' };
  }
  return { accepted: false, method: result.method, refusal: 'wrong' };
}

/**
 * A TOTP code or a recovery code, each consumed atomically: the time step by compare-and-set on
 * `totp_last_step` (a step accepted once is refused on every other session, ASVS 6.5.1), a recovery
 * code by marking it used only if it was unused.
 */
export async function consumeCode(
  trx: Tx,
  deps: VaultDeps,
  user: repo.UserRow,
  code: string,
): Promise<Evaluation> {
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    const secret = await openTotpSecret(deps, user, 'current');
    const step =
      secret === undefined
        ? null
        : await checkTotp(
            secret,
            trimmed,
            user.totp_last_step === null ? null : Number(user.totp_last_step),
            deps.clock.now(),
          );
    const ok = step !== null && (await factors.consumeTotpStep(trx, user.id, step));
    return { ok, method: 'totp' };
  }
  const at = deps.clock.now().toISOString();
  const hash = secretHash(trimmed.toLowerCase());
  if (Number(user.totp_enabled) !== 1) return { ok: false, method: 'recovery' };
  // A code inserted or revived in SQL is never honoured: its row MAC is checked first (issue #17).
  const stored = await repo.findRecoveryCode(trx, user.id, hash);
  if (stored === undefined) return { ok: false, method: 'recovery' };
  if (untrustedRow(deps.db, deps.keyring, RECOVERY_CODES, [stored]) !== undefined)
    return { ok: false, method: 'recovery', tampered: [RECOVERY_CODES, stored] };
  const ok = await repo.consumeRecoveryCode(trx, user.id, hash, at);
  return { ok, method: 'recovery', seals: ok ? [[RECOVERY_CODES, [user.id, hash]]] : [] };
}

/** The user's TOTP secret: the confirmed one, or the one being enrolled. */
export async function openTotpSecret(
  deps: VaultDeps,
  user: repo.UserRow,
  which: 'current' | 'pending',
): Promise<string | undefined> {
  const sealed = which === 'current' ? user.totp_secret_sealed : user.totp_pending_sealed;
  if (sealed === null || (which === 'current' && Number(user.totp_enabled) !== 1)) return undefined;
  const opened = await deps.keyring.openSecret(sealed, `totp/${user.id}`);
  return opened === null ? undefined : opened.toString();
}
