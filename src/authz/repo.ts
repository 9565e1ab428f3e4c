import type { Kysely, Selectable } from 'kysely';
import { ACCESS_EPOCH } from '../storage/migrations/0004-access-epoch.js';
import { commitVersion, PreparedQuery } from '../storage/prepared-query.js';
import type {
  AlertTable,
  ApiTokenTable,
  BreakGlassTable,
  Database,
  GrantTable,
  SessionTable,
  UserTable,
} from '../storage/schema.js';

export type UserRow = Selectable<UserTable>;
export type SessionRow = Selectable<SessionTable>;
export type TokenRow = Selectable<ApiTokenTable>;
export type GrantRow = Selectable<GrantTable>;
export type BreakGlassRow = Selectable<BreakGlassTable>;
export type AlertRow = Selectable<AlertTable>;

export const findUserByEmail = (db: Kysely<Database>, email: string) =>
  db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();

export const findUser = (db: Kysely<Database>, id: string) =>
  db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

export const listUsers = (db: Kysely<Database>) =>
  db.selectFrom('users').selectAll().orderBy('email').execute();

export async function insertUser(db: Kysely<Database>, row: UserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export async function updateUser(db: Kysely<Database>, id: string, changes: Partial<UserRow>): Promise<void> {
  await db.updateTable('users').set(changes).where('id', '=', id).execute();
}

export async function insertSession(db: Kysely<Database>, row: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

export const findSession = (db: Kysely<Database>, id: string) =>
  db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();

export const findSessionByHash = (db: Kysely<Database>, tokenHash: Buffer) =>
  db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();

export async function updateSession(
  db: Kysely<Database>,
  id: string,
  changes: Partial<SessionRow>,
): Promise<void> {
  await db.updateTable('sessions').set(changes).where('id', '=', id).execute();
}

export async function insertToken(db: Kysely<Database>, row: TokenRow): Promise<void> {
  await db.insertInto('api_tokens').values(row).execute();
}

export const findTokenByHash = (db: Kysely<Database>, tokenHash: Buffer) =>
  db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();

export const findToken = (db: Kysely<Database>, id: string) =>
  db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();

/**
 * Revokes an API token or a grant once: true when this call revoked it, false when it was already
 * revoked or is unknown (the caller answers NOT_FOUND or CONFLICT; a revocation is never re-stamped).
 */
export async function revokeOnce(
  db: Kysely<Database>,
  table: 'api_tokens' | 'grants',
  id: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable(table)
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertGrant(db: Kysely<Database>, row: GrantRow): Promise<void> {
  await db.insertInto('grants').values(row).execute();
}

/** Every grant a user ever held, revoked ones too (who held which role when: audit views). */
export const grantsOfUser = (db: Kysely<Database>, userId: string) =>
  db.selectFrom('grants').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();

export const activeGrants = (db: Kysely<Database>, userId: string) =>
  db.selectFrom('grants').selectAll().where('user_id', '=', userId).where('revoked_at', 'is', null).execute();

export async function insertBreakGlass(db: Kysely<Database>, row: BreakGlassRow): Promise<void> {
  await db.insertInto('break_glass').values(row).execute();
}

export const activeBreakGlass = (db: Kysely<Database>, userId: string, now: string) =>
  db
    .selectFrom('break_glass')
    .selectAll()
    .where('user_id', '=', userId)
    .where('ended_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();

export const findBreakGlass = (db: Kysely<Database>, id: string) =>
  db.selectFrom('break_glass').selectAll().where('id', '=', id).executeTakeFirst();

/** The user's break-glass sessions still active or awaiting review (at most one is allowed). */
export const openBreakGlass = (db: Kysely<Database>, userId: string, now: string) =>
  db
    .selectFrom('break_glass')
    .selectAll()
    .where('user_id', '=', userId)
    .where((eb) =>
      eb.or([
        eb('reviewed_at', 'is', null),
        eb.and([eb('ended_at', 'is', null), eb('expires_at', '>', now)]),
      ]),
    )
    .execute();

/** Records the review, once: false when it was reviewed already. */
export async function reviewBreakGlass(
  db: Kysely<Database>,
  id: string,
  review: { reviewed_at: string; reviewed_by: string; review_outcome: string; review_note: string },
): Promise<boolean> {
  const result = await db
    .updateTable('break_glass')
    .set(review)
    .where('id', '=', id)
    .where('reviewed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export const listBreakGlass = (db: Kysely<Database>, studyId: string) =>
  db
    .selectFrom('break_glass')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('started_at', 'desc')
    .execute();

export async function insertAlert(db: Kysely<Database>, row: AlertRow): Promise<void> {
  await db.insertInto('alerts').values(row).execute();
}

/**
 * Replaces the user's recovery codes: the keys of the codes removed and of those added, for the event's
 * row seals (a removed code is sealed as deleted).
 */
export async function insertRecoveryCodes(
  db: Kysely<Database>,
  userId: string,
  hashes: Buffer[],
): Promise<[string, Buffer][]> {
  const removed = await db
    .deleteFrom('recovery_codes')
    .where('user_id', '=', userId)
    .returning(['user_id', 'code_hash'])
    .execute();
  if (hashes.length > 0) {
    await db
      .insertInto('recovery_codes')
      .values(hashes.map((code_hash) => ({ user_id: userId, code_hash, used_at: null })))
      .execute();
  }
  return [
    ...removed.map((r): [string, Buffer] => [r.user_id, r.code_hash]),
    ...hashes.map((h): [string, Buffer] => [userId, h]),
  ];
}

/** The recovery code row, used or not (every column: its row MAC is checked before it is honoured). */
export const findRecoveryCode = (db: Kysely<Database>, userId: string, hash: Buffer) =>
  db
    .selectFrom('recovery_codes')
    .selectAll()
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .executeTakeFirst();

/** Marks a recovery code used, only if it exists and was unused: true when it was accepted. */
export async function consumeRecoveryCode(
  db: Kysely<Database>,
  userId: string,
  hash: Buffer,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: at })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export const findGrant = (db: Kysely<Database>, id: string) =>
  db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst();

/** The active grants of a user whose account is active (none for a disabled one). */
export const grantsOfActiveUser = (db: Kysely<Database>, userId: string) =>
  db
    .selectFrom('grants')
    .innerJoin('users', 'users.id', 'grants.user_id')
    .selectAll('grants')
    .where('grants.user_id', '=', userId)
    .where('grants.revoked_at', 'is', null)
    .where('users.status', '=', 'active')
    .execute();

/** The access epoch (see the 0004 migration); undefined on a store without one, which disables caching. */
// Read on every authenticated request: built once.
const epochQuery = new PreparedQuery(0, (db: Kysely<Database>) =>
  db.selectFrom('counters').select('value').where('name', '=', ACCESS_EPOCH),
);

/** The epoch as last read per store handle, under the commit version it was read under. */
const epochs = new WeakMap<
  Kysely<Database>,
  { readonly version: number; readonly epoch: number | undefined }
>();

export async function accessEpoch(db: Kysely<Database>): Promise<number | undefined> {
  // Nothing committed since the last read (by anyone: the version is the store's, not this
  // process's): the counter row is as it was read then, so the query is spared.
  const version = commitVersion(db);
  const known = version === undefined ? undefined : epochs.get(db);
  if (known !== undefined && known.version === version) return known.epoch;
  const row = await epochQuery.first(db);
  const epoch = row === undefined ? undefined : Number(row.value);
  if (version !== undefined) epochs.set(db, { version, epoch });
  return epoch;
}

/** A study's API tokens with their users' e-mail, newest first (no secrets: only hashes are stored). */
export const listTokens = (db: Kysely<Database>, studyId: string) =>
  db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id',
      'api_tokens.study_id',
      'api_tokens.scopes',
      'api_tokens.created_at',
      'api_tokens.expires_at',
      'api_tokens.revoked_at',
      'users.email',
    ])
    .where('api_tokens.study_id', '=', studyId)
    .orderBy('api_tokens.created_at', 'desc')
    .execute();
