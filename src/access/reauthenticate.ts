import { SESSIONS, USERS } from '../authz/access-bindings.js';
import * as repo from '../authz/repo.js';
import { trustRow } from '../authz/row-tamper.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import { verifyPassword } from './passwords.js';
import { attemptSecondFactor, consumeCode, refusalError } from './second-factor.js';
import { SESSION_ENDED } from './session-service.js';
import { INVALID } from './sign-in.js';

/**
 * Re-authentication for an electronic signature (21 CFR 11.200(a)(1)): the password always, and the
 * TOTP code too for the first signing in a session. A wrong password or code is counted like a
 * sign-in attempt (second-factor.ts: 3 end the session, 10 lock the account), in its own transaction
 * so that the count stays when the signing is refused; the code's step is consumed by
 * compare-and-set (ASVS 6.5.1). Marks the session as having signed.
 */
export async function reauthenticate(
  deps: VaultDeps,
  actor: Actor,
  password: string,
  totp: string | undefined,
): Promise<Result<{ name: string }>> {
  if (actor.kind !== 'user' || actor.sessionId === undefined) {
    return err(appError('UNAUTHENTICATED', 'Signing needs a signed-in session.'));
  }
  const sessionId = actor.sessionId;
  const { db } = deps;
  const foundUser = await trustRow(deps, USERS, await repo.findUser(db, actor.id));
  if (!foundUser.ok) return foundUser;
  const foundSession = await trustRow(deps, SESSIONS, await repo.findSession(db, sessionId));
  if (!foundSession.ok) return foundSession;
  const user = foundUser.value;
  const session = foundSession.value;
  if (user === undefined || session === undefined || session.ended_at !== null) return err(SESSION_ENDED);
  const needsCode = session.signed_at === null;
  const codeNeeded = appError(
    'UNAUTHENTICATED',
    'The first signing in a session needs your password and a TOTP code.',
  );
  // A missing code is not a guess: refused without counting.
  if (needsCode && (totp === undefined || totp.trim() === '')) return err(codeNeeded);
  const passwordOk = await verifyPassword(user.password_hash, password);
  const attempt = await transact(db, async (trx) => {
    const done = await attemptSecondFactor(
      trx,
      deps,
      user.id,
      sessionId,
      'auth.reauth',
      async (fresh) => {
        if (!passwordOk) return { ok: false, method: 'password' };
        if (!needsCode) return { ok: true, method: 'password' };
        return /^\d{6}$/.test((totp ?? '').trim())
          ? consumeCode(trx, deps, fresh, totp ?? '')
          : { ok: false, method: 'totp' };
      },
      async () => {
        await repo.updateSession(trx, sessionId, { signed_at: deps.clock.now().toISOString() });
        return [[SESSIONS, [sessionId]]];
      },
    );
    return ok(done);
  });
  if (!attempt.ok) return attempt;
  const done = attempt.value;
  if (done.accepted) return ok({ name: user.name });
  if (done.refusal !== 'wrong') return err(refusalError(done.refusal));
  return err(done.method === 'password' ? INVALID : codeNeeded);
}
