import { z } from 'zod';
import { appendAuditEvent } from '../audit/repo.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { transact } from '../storage/transact.js';
import * as studies from '../studies/repo.js';
import type { VaultDeps } from '../vault/deps.js';
import { AccessCache } from './access-cache.js';
import type { Authorizer } from './authorizer.js';
import * as repo from './repo.js';
import { ACTIONS } from './roles.js';
import { newSecret, secretHash } from './secrets.js';

const INVALID = appError('UNAUTHENTICATED', 'Invalid credentials.');
const DAY = 24 * 60 * 60_000;

/** What an administrator sees of a token: never the secret, which was shown once. */
export interface TokenView {
  readonly id: string;
  readonly user: string;
  readonly studyId: string;
  readonly scopes: string[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
}

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
    const epoch = await repo.accessEpoch(this.deps.db);
    const hash = secretHash(secret);
    const key = hash.toString('base64');
    let row = epoch === undefined ? undefined : this.#cache.get(key, epoch);
    if (row === undefined) {
      const found = await repo.findTokenByHash(this.deps.db, hash);
      if (found === undefined || found.revoked_at !== null) return err(INVALID);
      const user = await repo.findUser(this.deps.db, found.user_id);
      if (user === undefined || user.status !== 'active') return err(INVALID);
      row = found;
      if (epoch !== undefined) this.#cache.set(key, epoch, row);
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

  /** An API token for an integration: study-scoped, a set of actions, expiring; shown once. */
  async create(
    actor: Actor,
    input: unknown,
  ): Promise<Result<{ id: string; token: string; expiresAt: string }>> {
    const parsed = z
      .strictObject({
        email: z.string().trim().toLowerCase(),
        study: z.string().min(1),
        scopes: z.array(z.enum(ACTIONS)).min(1),
        expiresDays: z.number().int().min(1).max(365).default(30),
      })
      .safeParse(input);
    if (!parsed.success)
      return err(
        appError('VALIDATION_FAILED', 'The token request is invalid.', {
          issues: parsed.error.issues.map((i) => i.path.join('.')),
        }),
      );
    const study = await studies.findStudy(this.deps.db, parsed.data.study);
    if (study === undefined) return err(appError('NOT_FOUND', 'No such study.'));
    const permit = await this.authorizer.authorize(actor, 'token.manage', { studyId: study.id });
    if (!permit.ok) return permit;
    const user = await repo.findUserByEmail(this.deps.db, parsed.data.email);
    if (user === undefined || user.status !== 'active') return err(appError('NOT_FOUND', 'No such user.'));
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
        scopes: JSON.stringify(parsed.data.scopes),
        created_at: now.toISOString(),
        expires_at: expiresAt,
        revoked_at: null,
      });
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'token.create',
        studyId: study.id,
        target: id,
        details: { user: user.id, scopes: parsed.data.scopes, expiresAt },
      });
      return ok({ id, token, expiresAt });
    });
  }

  async revoke(actor: Actor, id: string): Promise<Result<{ id: string }>> {
    const row = await repo.findToken(this.deps.db, id);
    if (row === undefined) return err(appError('NOT_FOUND', 'No such token.'));
    const permit = await this.authorizer.authorize(actor, 'token.manage', { studyId: row.study_id });
    if (!permit.ok) return permit;
    return transact(this.deps.db, async (trx) => {
      if (!(await repo.revokeToken(trx, id, this.deps.clock.now().toISOString()))) {
        return err(appError('CONFLICT', 'The token was already revoked.'));
      }
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'token.revoke',
        studyId: row.study_id,
        target: id,
      });
      return ok({ id });
    });
  }

  /** The study's tokens, newest first, for the administration page. */
  async list(actor: Actor, studyRef: string): Promise<Result<TokenView[]>> {
    const study = await studies.findStudy(this.deps.db, studyRef);
    if (study === undefined) return err(appError('NOT_FOUND', 'No such study.'));
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
