import { z } from 'zod';
import { API_TOKENS, USERS } from '../authz/access-bindings.js';
import { AccessCache } from '../authz/access-cache.js';
import type { Authorizer } from '../authz/authorizer.js';
import * as repo from '../authz/repo.js';
import { ACTIONS, NEVER_TOKEN_ACTIONS } from '../authz/roles.js';
import { trustRow } from '../authz/row-tamper.js';
import { sameRowForChange } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { followLedger } from '../ledger/ledger-tail.js';
import { untrustedRow } from '../ledger/row-trust.js';
import { transact } from '../storage/transact.js';
import { knownStudy } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import type { NewToken, TokenView } from './access-view.js';
import { newSecret, secretHash } from './secrets.js';

export type { TokenView } from './access-view.js';

const INVALID = appError('UNAUTHENTICATED', 'Invalid credentials.');
const DAY = 24 * 60 * 60_000;
/** A token request: for whom (the operator names a user), which study, which actions, how long. */
export const tokenRequestSchema = z.strictObject({
  email: z.string().trim().toLowerCase().optional(),
  study: z.string().min(1),
  scopes: z.array(z.enum(ACTIONS)).min(1),
  expiresDays: z.number().int().min(1).max(365).default(30),
});

const FORBIDDEN_MINT = appError('FORBIDDEN', 'Only a signed-in person or the operator creates API tokens.');

/** API tokens for integrations: study-scoped, a set of actions, expiring, revocable (ASVS 7.2.1). */
export class TokenService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
  ) {}

  readonly #cache = new AccessCache<repo.TokenRow>();

  /** The actor of an API token: unexpired, unrevoked, its user active. */
  async authenticate(secret: string): Promise<Result<Actor>> {
    if (typeof secret !== 'string' || secret.length > 200) return err(INVALID);
    // Rows changed by another process since this one last looked raise their marks first (S9-1b).
    await followLedger(this.deps.db, this.deps.keyring);
    const epoch = await repo.accessEpoch(this.deps.db);
    const hash = secretHash(secret);
    const key = hash.toString('base64');
    let row = epoch === undefined ? undefined : this.#cache.get(key, epoch);
    // A cached row is checked again (one HMAC, no query): its MAC is part of the entry (issue #17).
    if (row !== undefined && untrustedRow(this.deps.db, this.deps.keyring, API_TOKENS, [row]) !== undefined)
      row = undefined;
    if (row === undefined) {
      // Neither the token nor its user is honoured unless its row MAC holds (issue #17); only checked
      // rows are cached, and every change to a token or user advances the epoch.
      const token = await trustRow(this.deps, API_TOKENS, await repo.findTokenByHash(this.deps.db, hash));
      if (!token.ok) return token;
      const found = token.value;
      if (found === undefined || found.revoked_at !== null) return err(INVALID);
      const user = await trustRow(this.deps, USERS, await repo.findUser(this.deps.db, found.user_id));
      if (!user.ok) return user;
      if (user.value === undefined || user.value.status !== 'active') return err(INVALID);
      row = found;
      // A copy: checked again from the cache strictly, against the mark as it is now (review s13).
      if (epoch !== undefined) this.#cache.set(key, epoch, { ...row });
    }
    if (row.expires_at <= this.deps.clock.now().toISOString()) return err(INVALID);
    return ok({
      kind: 'token',
      id: row.id,
      userId: row.user_id,
      studyId: row.study_id,
      scopes: JSON.parse(row.scopes) as string[],
      ...(epoch === undefined ? {} : { accessEpoch: epoch }),
    });
  }

  /**
   * An API token, study-scoped, a set of actions, expiring; shown once. A person mints tokens for
   * themselves only, from a session that passed a second factor; the operator (CLI, system actor) may
   * mint for a named user. Either way the scopes must be among the user's own standing grants in the
   * study and never a system or administrative action (NEVER_TOKEN_ACTIONS), and every use re-checks
   * them against the user's current grants (ASVS 8.2.1, 8.3.1; 21 CFR 11.10(d), (g)). An integration
   * that needs rights of its own gets its own user account.
   */
  async create(actor: Actor, input: unknown): Promise<Result<NewToken>> {
    const parsed = tokenRequestSchema.safeParse(input);
    if (!parsed.success)
      return err(
        appError('VALIDATION_FAILED', 'The token request is invalid.', {
          issues: parsed.error.issues.map((i) => i.path.join('.')),
        }),
      );
    // The study row only when its MAC holds (review s13, H4/H5: a title or demo flag set in SQL).
    const foundStudy = await knownStudy(this.deps, parsed.data.study);
    if (!foundStudy.ok) return foundStudy;
    const study = foundStudy.value;
    const scope = { studyId: study.id, resource: 'study' as const };
    const owner = await this.#owner(actor, parsed.data.email, scope);
    if (!owner.ok) return owner;
    const user = owner.value;
    const scopes = [...new Set(parsed.data.scopes)];
    const never = scopes.filter((s) => NEVER_TOKEN_ACTIONS.has(s));
    if (never.length > 0) {
      return this.authorizer.refuse(
        actor,
        'token.manage',
        scope,
        appError('FORBIDDEN', 'A token never carries system or administrative actions.', { scopes: never }),
      );
    }
    const held = await this.authorizer.standingActions(user.id, study.id);
    if (held.size === 0)
      return this.authorizer.refuse(actor, 'token.manage', scope, appError('NOT_FOUND', 'No such study.'));
    const beyond = scopes.filter((s) => !held.has(s));
    if (beyond.length > 0) {
      return this.authorizer.refuse(
        actor,
        'token.manage',
        scope,
        appError('FORBIDDEN', "A token's scopes must be among its user's own grants in the study.", {
          scopes: beyond,
        }),
      );
    }
    const token = newSecret('tvt');
    const now = this.deps.clock.now();
    const expiresAt = new Date(now.getTime() + parsed.data.expiresDays * DAY).toISOString();
    return transact(this.deps.db, async (trx) => {
      const id = newId();
      await repo.insertToken(trx, {
        id,
        token_hash: secretHash(token),
        user_id: user.id,
        study_id: study.id,
        scopes: JSON.stringify(scopes),
        created_at: now.toISOString(),
        expires_at: expiresAt,
        revoked_at: null,
      });
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'token.create',
        studyId: study.id,
        target: id,
        details: { user: user.id, scopes, expiresAt },
        seals: [[API_TOKENS, [id]]],
      });
      return ok({ id, token, expiresAt });
    });
  }

  /** Whose token it is: the signed-in person (with a second factor), or the user the operator names. */
  async #owner(
    actor: Actor,
    email: string | undefined,
    scope: { studyId: string; resource: 'study' },
  ): Promise<Result<repo.UserRow>> {
    if (actor.kind === 'system') {
      if (email === undefined)
        return err(appError('VALIDATION_FAILED', 'Name the user the token is for.', { field: 'email' }));
      const found = await trustRow(this.deps, USERS, await repo.findUserByEmail(this.deps.db, email));
      if (!found.ok) return found;
      const user = found.value;
      if (user === undefined || user.status !== 'active') return err(appError('NOT_FOUND', 'No such user.'));
      return ok(user);
    }
    if (actor.kind !== 'user') {
      // Tokens and devices do not mint credentials (a token would outlive its own expiry).
      return this.authorizer.refuse(actor, 'token.manage', scope, FORBIDDEN_MINT);
    }
    const found = await trustRow(this.deps, USERS, await repo.findUser(this.deps.db, actor.id));
    if (!found.ok) return found;
    const user = found.value;
    if (user === undefined || user.status !== 'active') return err(INVALID);
    if (email !== undefined && email !== user.email) {
      return this.authorizer.refuse(
        actor,
        'token.manage',
        scope,
        appError('FORBIDDEN', 'You can create API tokens for yourself only.'),
      );
    }
    if (!actor.mfa) {
      return this.authorizer.refuse(
        actor,
        'token.manage',
        scope,
        appError('FORBIDDEN', 'Creating an API token needs a session with a second factor.'),
      );
    }
    return ok(user);
  }

  async revoke(actor: Actor, id: string): Promise<Result<{ id: string }>> {
    const found = await trustRow(this.deps, API_TOKENS, await repo.findToken(this.deps.db, id));
    if (!found.ok) return found;
    const row = found.value;
    if (row === undefined) return err(appError('NOT_FOUND', 'No such token.'));
    // Its own user may always revoke a token; anyone else needs token.manage in the study.
    if (!(actor.kind === 'user' && actor.id === row.user_id)) {
      const permit = await this.authorizer.authorize(actor, 'token.manage', { studyId: row.study_id });
      if (!permit.ok) return permit;
    }
    return transact(this.deps.db, async (trx) => {
      // The row revoked is the one checked above, unchanged: its event seals it (review s13).
      const same = await sameRowForChange(this.deps, trx, API_TOKENS, row);
      if (!same.ok) return same;
      if (!(await repo.revokeOnce(trx, 'api_tokens', id, this.deps.clock.now().toISOString()))) {
        return err(appError('CONFLICT', 'The token was already revoked.'));
      }
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'token.revoke',
        studyId: row.study_id,
        target: id,
        seals: [[API_TOKENS, [id]]],
      });
      return ok({ id });
    });
  }

  /** The study's tokens, newest first, for the administration page. */
  async list(actor: Actor, studyRef: string): Promise<Result<TokenView[]>> {
    // The study row only when its MAC holds (review s13, H4/H5: a title or demo flag set in SQL).
    const foundStudy = await knownStudy(this.deps, studyRef);
    if (!foundStudy.ok) return foundStudy;
    const study = foundStudy.value;
    const permit = await this.authorizer.authorize(actor, 'token.manage', { studyId: study.id });
    if (!permit.ok) return permit;
    const rows = await repo.listTokens(this.deps.db, study.id);
    return ok(
      rows.map((r) => ({
        id: r.id,
        user: r.email,
        studyId: r.study_id,
        scopes: JSON.parse(r.scopes) as string[],
        createdAt: r.created_at,
        expiresAt: r.expires_at,
        revokedAt: r.revoked_at,
      })),
    );
  }
}
