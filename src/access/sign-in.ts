import { ALERTS, SESSIONS, USERS } from '../authz/access-bindings.js';
import * as repo from '../authz/repo.js';
import { isRole, requiresMfa } from '../authz/roles.js';
import { trustRow } from '../authz/row-tamper.js';
import { rowForChange } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { followLedger } from '../ledger/ledger-tail.js';
import { getMeta } from '../storage/meta-repo.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import * as factors from './factor-repo.js';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { MFA_ACCOUNT_LOCKED } from './second-factor.js';
import { newSecret, secretHash } from './secrets.js';

export interface SignIn {
  /** The session token: shown once, stored only as a hash. */
  readonly token: string;
  /** 'mfa': send a TOTP code; 'enroll': set up TOTP first; 'active': signed in. */
  readonly state: 'mfa' | 'enroll' | 'active';
  readonly userId: string;
  /** In state 'mfa': which second factors the account has. */
  readonly factors?: { readonly totp: boolean; readonly passkey: boolean };
}

const MAX_FAILURES = 5;
export const INVALID = appError('UNAUTHENTICATED', 'Invalid credentials.');
export const MINUTE = 60_000;

/** Lockout after 5 failures, doubling from 1 minute up to a day (21 CFR 11.300(d); ASVS 6.3.1). */
function lockMinutes(lockouts: number): number {
  return Math.min(2 ** Math.max(0, lockouts - 1), 24 * 60);
}

export function userActor(id: string): Actor {
  return { kind: 'user', id, mfa: false };
}

/**
 * Sign-in with e-mail and password (split out of auth-service.ts): messages stay generic ("invalid
 * credentials"), a login for an unknown e-mail costs the same as one with a wrong password, failures
 * count towards a lockout, and a user row whose MAC fails is refused (ROW_TAMPERED, issue #17). The
 * user and the new session are sealed by the sign-in's event.
 */
export async function signIn(
  deps: VaultDeps,
  maxHours: number,
  email: unknown,
  password: unknown,
  client?: string,
): Promise<Result<SignIn>> {
  if (
    typeof email !== 'string' ||
    typeof password !== 'string' ||
    email.length > 254 ||
    password.length > 1024
  ) {
    await verifyPassword(await dummyHash(), 'x');
    return err(INVALID);
  }
  // Rows another process changed since this one last looked raise their marks first (S9B-2).
  await followLedger(deps.db, deps.keyring);
  const { db, clock } = deps;
  const found = await trustRow(deps, USERS, await repo.findUserByEmail(db, email.trim().toLowerCase()));
  // A user row changed in SQL (a known password hash, a second factor switched off) is never used.
  if (!found.ok) return found;
  const user = found.value;
  const passwordOk = await verifyPassword(user?.password_hash ?? (await dummyHash()), password);
  const now = clock.now();
  const at = now.toISOString();
  if (user === undefined) return err(INVALID);
  // Demo accounts (known passwords) work only on a store seeded by `trialvault demo`.
  if (Number(user.is_demo) === 1 && (await getMeta(db, 'demo_store')) !== '1') return err(INVALID);
  const locked = user.locked_until !== null && user.locked_until > at;
  if (!passwordOk || locked || user.status !== 'active') {
    const failed = await transact(db, async (trx): Promise<Result<null>> => {
      // The row again, inside the transaction and locked: the one checked before was read before the
      // password's hash was computed, and this event seals the row as stored (review s13, H1: a hash
      // written in SQL meanwhile was sealed). Its counters count every failure sent at once, too.
      const current = await rowForChange<repo.UserRow>(deps, trx, USERS, [user.id]);
      if (!current.ok) return current;
      const stored = current.value;
      if (stored === undefined) return err(INVALID);
      const reason = user.status !== 'active' ? 'disabled' : locked ? 'locked' : 'password';
      const failures =
        reason === 'password' ? Number(stored.failed_attempts) + 1 : Number(stored.failed_attempts);
      const lockNow = reason === 'password' && failures >= MAX_FAILURES;
      const lockouts = Number(stored.lockouts) + (lockNow ? 1 : 0);
      await repo.updateUser(trx, user.id, {
        failed_attempts: lockNow ? 0 : failures,
        lockouts,
        ...(lockNow
          ? { locked_until: new Date(now.getTime() + lockMinutes(lockouts) * MINUTE).toISOString() }
          : {}),
      });
      await appendAuditEvent(trx, deps, {
        actor: userActor(user.id),
        action: 'auth.login',
        outcome: 'failure',
        target: user.id,
        client: client ?? null,
        details: { reason },
        seals: [[USERS, [user.id]]],
      });
      if (lockNow) {
        const alertId = newId();
        await repo.insertAlert(trx, {
          id: alertId,
          kind: 'account.locked',
          user_id: user.id,
          study_id: null,
          at,
          details: JSON.stringify({ failures: MAX_FAILURES, minutes: lockMinutes(lockouts) }),
          acknowledged_at: null,
        });
        await appendAuditEvent(trx, deps, {
          actor: userActor(user.id),
          action: 'auth.lockout',
          outcome: 'failure',
          target: user.id,
          details: { minutes: lockMinutes(lockouts) },
          seals: [[ALERTS, [alertId]]],
        });
      }
      return ok(null);
    });
    return failed.ok ? err(INVALID) : failed;
  }
  if (user.mfa_locked_at !== null) {
    // The right password, but the second factor is locked (mfa-policy.ts): say so, since only an
    // administrator can help, and record it (21 CFR 11.300(d)).
    await transact(db, async (trx) => {
      await appendAuditEvent(trx, deps, {
        actor: userActor(user.id),
        action: 'auth.login',
        outcome: 'failure',
        target: user.id,
        client: client ?? null,
        details: { reason: 'second factor locked' },
      });
      return ok(null);
    });
    return err(MFA_ACCOUNT_LOCKED);
  }
  const rehashed = needsRehash(user.password_hash) ? await hashPassword(password) : undefined;
  const roles = (await repo.activeGrants(db, user.id)).map((g) => g.role).filter(isRole);
  const passkeys = (await factors.listPasskeys(db, user.id)).length > 0;
  const totp = Number(user.totp_enabled) === 1;
  const state: SignIn['state'] = totp || passkeys ? 'mfa' : roles.some(requiresMfa) ? 'enroll' : 'active';
  const token = newSecret('tvs');
  return transact(db, async (trx): Promise<Result<SignIn>> => {
    // Checked again inside the transaction, as the failure is (review s13, H1): the event seals the row
    // as stored, and the password was checked against the hash read before.
    const current = await rowForChange<repo.UserRow>(deps, trx, USERS, [user.id]);
    if (!current.ok) return current;
    const stored = current.value;
    if (
      stored === undefined ||
      stored.password_hash !== user.password_hash ||
      stored.status !== 'active' ||
      stored.mfa_locked_at !== null ||
      Number(stored.totp_enabled) !== Number(user.totp_enabled)
    )
      return err(INVALID);
    await repo.updateUser(trx, user.id, {
      failed_attempts: 0,
      locked_until: null,
      ...(rehashed ? { password_hash: rehashed } : {}),
    });
    const sessionId = newId();
    await repo.insertSession(trx, {
      id: sessionId,
      token_hash: secretHash(token),
      user_id: user.id,
      state,
      created_at: at,
      last_seen_at: at,
      expires_at: new Date(now.getTime() + maxHours * 60 * MINUTE).toISOString(),
      mfa_at: null,
      signed_at: null,
      ended_at: null,
      end_reason: null,
      mfa_failures: 0,
      webauthn_challenge: null,
    });
    await appendAuditEvent(trx, deps, {
      actor: userActor(user.id),
      action: 'auth.login',
      target: user.id,
      client: client ?? null,
      details: { state, rehashed: rehashed !== undefined },
      seals: [
        [USERS, [user.id]],
        [SESSIONS, [sessionId]],
      ],
    });
    return ok({
      token,
      state,
      userId: user.id,
      ...(state === 'mfa' ? { factors: { totp, passkey: passkeys } } : {}),
    });
  });
}
