import { SESSIONS, USERS } from '../authz/access-bindings.js';
import { AccessCache } from '../authz/access-cache.js';
import * as repo from '../authz/repo.js';
import { isRole, requiresMfa } from '../authz/roles.js';
import { trustRow } from '../authz/row-tamper.js';
import { rowForChange } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { followLedger } from '../ledger/ledger-tail.js';
import { updateVolatile } from '../ledger/row-seal-store.js';
import { untrustedRow } from '../ledger/row-trust.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import { endSessions } from './end-sessions.js';
import { secretHash, secretHashKey } from './secrets.js';
import { MINUTE, userActor } from './sign-in.js';

export interface AccessConfig {
  readonly idleMinutes: number;
  readonly maxHours: number;
}

export const SESSION_ENDED = appError('UNAUTHENTICATED', 'The session has ended: sign in again.');
const SECOND_FACTOR_NOW_REQUIRED = appError(
  'UNAUTHENTICATED',
  'Your role now needs a second factor: sign in again to set it up.',
);

/**
 * Sessions after sign-in: the actor of a session token, idle and absolute timeouts, activity stamps,
 * logout. A session or its user is honoured only while its row MAC holds (issue #17).
 */
export class SessionService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly config: AccessConfig,
  ) {}

  readonly #sessions = new AccessCache<repo.SessionRow>();

  /**
   * The actor of a signed-in session; idle and absolute timeouts end it (HIPAA 164.312(a)(2)(iii)).
   * The session and its user come from the access cache while the access epoch is unchanged.
   */
  async authenticate(token: string): Promise<Result<Actor>> {
    if (typeof token !== 'string' || token.length > 200) return err(SESSION_ENDED);
    // Rows changed by another process since this one last looked raise their marks first (S9-1b).
    await followLedger(this.deps.db, this.deps.keyring);
    const epoch = await repo.accessEpoch(this.deps.db);
    const key = secretHashKey(token);
    const cached = epoch === undefined ? undefined : this.#sessions.get(key, epoch);
    // The cached row is checked again (one HMAC, no query): its MAC is part of the entry, so a row
    // distrusted since, or a stale copy, never answers from the cache (issue #17).
    if (
      cached !== undefined &&
      cached.state === 'active' &&
      this.#current(cached) === undefined &&
      untrustedRow(this.deps.db, this.deps.keyring, SESSIONS, [cached]) === undefined
    ) {
      await this.#touch(cached);
      return ok(this.#sessionActor(cached, epoch));
    }
    const session = await this.#session(token, ['active']);
    if (!session.ok) return session;
    const { row } = session.value;
    // A session that never passed a second factor ends once its user holds a role that needs one
    // (granted after the sign-in): a password alone never carries those rights (HIPAA 164.312(d),
    // ASVS 6.3.3). Checked on a cache miss only: every grant change advances the access epoch.
    if (row.mfa_at === null) {
      const roles = (await repo.activeGrants(this.deps.db, row.user_id)).map((g) => g.role).filter(isRole);
      if (roles.some(requiresMfa)) {
        await this.#end(row, 'second factor required');
        return err(SECOND_FACTOR_NOW_REQUIRED);
      }
    }
    if (epoch !== undefined) this.#sessions.set(key, epoch, { ...row });
    return ok(this.#sessionActor(row, epoch));
  }

  #sessionActor(row: repo.SessionRow, epoch: number | undefined): Actor {
    return {
      kind: 'user',
      id: row.user_id,
      sessionId: row.id,
      mfa: row.mfa_at !== null,
      ...(epoch === undefined ? {} : { accessEpoch: epoch }),
    };
  }

  /** Why the session is over by the clock, if it is. */
  #current(row: repo.SessionRow): string | undefined {
    const now = this.deps.clock.now().getTime();
    const idleEnd = Date.parse(row.last_seen_at) + this.config.idleMinutes * MINUTE;
    // Written so that an unreadable stamp (NaN) ends the session rather than keeping it.
    if (!(Date.parse(row.expires_at) > now)) return 'absolute timeout';
    return idleEnd > now ? undefined : 'idle timeout';
  }

  /**
   * Activity is recorded at most once a minute: idle timeouts stay exact to the minute without a
   * write (and an fsync) on every request. The stamp does not advance the access epoch.
   */
  async #touch(row: repo.SessionRow): Promise<void> {
    const now = this.deps.clock.now();
    if (now.getTime() - Date.parse(row.last_seen_at) < MINUTE) return;
    const at = now.toISOString();
    // Volatile (no event): the row's MAC follows, after its stored form is checked (issue #17).
    await transact(this.deps.db, (trx) =>
      updateVolatile(trx, this.deps.keyring, SESSIONS, [row.id], { last_seen_at: at }),
    );
    row.last_seen_at = at;
  }

  /** Ends every session of the user at once (ASVS 7.4.1). */
  async logout(token: string): Promise<Result<{ ended: number }>> {
    const found = await trustRow(
      this.deps,
      SESSIONS,
      await repo.findSessionByHash(this.deps.db, secretHash(token)),
    );
    if (!found.ok) return found;
    const row = found.value;
    if (row === undefined || row.ended_at !== null) return err(SESSION_ENDED);
    return transact(this.deps.db, async (trx) => {
      const ended = await endSessions(
        this.deps,
        trx,
        row.user_id,
        this.deps.clock.now().toISOString(),
        'logout',
      );
      await appendAuditEvent(trx, this.deps, {
        actor: userActor(row.user_id),
        action: 'auth.logout',
        target: row.user_id,
        details: { sessionsEnded: ended.length },
        seals: ended.map((id) => [SESSIONS, [id]] as const),
      });
      return ok({ ended: ended.length });
    });
  }

  /** A session of the token in one of the states, with its (active) user; timed-out sessions end. */
  async session(
    token: string,
    states: readonly repo.SessionRow['state'][],
  ): Promise<Result<{ row: repo.SessionRow; user: repo.UserRow }>> {
    if (typeof token !== 'string' || token.length > 200) return err(SESSION_ENDED);
    // The second-factor steps, passkeys and account changes come here, not through authenticate (S9B-3).
    await followLedger(this.deps.db, this.deps.keyring);
    return this.#session(token, states);
  }

  /** `session` once the ledger has been followed (authenticate follows it first, once per request). */
  async #session(
    token: string,
    states: readonly repo.SessionRow['state'][],
  ): Promise<Result<{ row: repo.SessionRow; user: repo.UserRow }>> {
    // Neither a session nor its user is honoured unless its row MAC holds (issue #17).
    const found = await trustRow(
      this.deps,
      SESSIONS,
      await repo.findSessionByHash(this.deps.db, secretHash(token)),
    );
    if (!found.ok) return found;
    const row = found.value;
    if (row === undefined || row.ended_at !== null) return err(SESSION_ENDED);
    const timedOut = this.#current(row);
    const foundUser = await trustRow(this.deps, USERS, await repo.findUser(this.deps.db, row.user_id));
    if (!foundUser.ok) return foundUser;
    const user = foundUser.value;
    if (timedOut !== undefined || user === undefined || user.status !== 'active') {
      await this.#end(row, timedOut ?? 'disabled');
      return err(SESSION_ENDED);
    }
    if (!states.includes(row.state))
      return err(
        appError(
          'UNAUTHENTICATED',
          row.state === 'mfa' ? 'A second factor is required.' : 'Set up your second factor first.',
        ),
      );
    await this.#touch(row);
    return ok({ row, user });
  }

  async #end(row: repo.SessionRow, reason: string): Promise<void> {
    await transact(this.deps.db, async (trx) => {
      // Locked and checked before its event seals it (review s13): a row changed in SQL meanwhile is
      // not ended under a seal; it stays refused, and `verify` names it.
      const stored = await rowForChange<repo.SessionRow>(this.deps, trx, SESSIONS, [row.id]);
      if (!stored.ok) return stored;
      // Ended meanwhile (another tab, a logout): its end and reason stay as they are.
      if (stored.value?.ended_at !== null) return ok(null);
      await repo.updateSession(trx, row.id, {
        ended_at: this.deps.clock.now().toISOString(),
        end_reason: reason,
      });
      await appendAuditEvent(trx, this.deps, {
        actor: userActor(row.user_id),
        action: 'session.end',
        target: row.user_id,
        details: { reason },
        seals: [[SESSIONS, [row.id]]],
      });
      return ok(null);
    });
  }
}
