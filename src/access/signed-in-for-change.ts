import { SESSIONS, USERS } from '../authz/access-bindings.js';
import type * as repo from '../authz/repo.js';
import { rowForChange } from '../authz/tamper-in-tx.js';
import { err, ok, type Result } from '../core/result.js';
import type { VaultDeps } from '../vault/deps.js';
import { SESSION_ENDED } from './session-service.js';

/**
 * The signed-in user's row and session row, read again inside a transaction that changes and seals
 * them, locked and checked (review s13): checked only when the session was read, a session moved to
 * another user or a password hash written in SQL meanwhile would be sealed by the change's event. A
 * session that ended or belongs to someone else meanwhile is over (UNAUTHENTICATED).
 */
export async function signedInForChange(
  deps: VaultDeps,
  trx: VaultDeps['db'],
  sessionId: string,
  userId: string,
): Promise<Result<{ readonly user: repo.UserRow; readonly session: repo.SessionRow }>> {
  // The user first, then the session: the order every other change of both takes (a second-factor
  // step, a disable, a password change), so two of them never wait for each other on PostgreSQL.
  const user = await rowForChange<repo.UserRow>(deps, trx, USERS, [userId]);
  if (!user.ok) return user;
  const session = await rowForChange<repo.SessionRow>(deps, trx, SESSIONS, [sessionId]);
  if (!session.ok) return session;
  const s = session.value;
  if (s === undefined || s.user_id !== userId || s.ended_at !== null || user.value === undefined)
    return err(SESSION_ENDED);
  return ok({ user: user.value, session: s });
}
