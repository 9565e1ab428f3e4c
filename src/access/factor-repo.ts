import type { Kysely, Selectable } from 'kysely';
import type { Database, PasskeyTable } from '../storage/schema.js';

/**
 * Second factors in the store: the attempt counters (reserved before an answer is evaluated), the
 * compare-and-set consumption of TOTP steps, WebAuthn challenges and counters, and passkeys.
 */
export type PasskeyRow = Selectable<PasskeyTable>;

/** Reserves one second-factor attempt on a session: false when it is at the limit or has ended. */
export async function reserveSessionMfaAttempt(
  db: Kysely<Database>,
  sessionId: string,
  limit: number,
): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set((eb) => ({ mfa_failures: eb('mfa_failures', '+', 1) }))
    .where('id', '=', sessionId)
    .where('ended_at', 'is', null)
    .where('mfa_failures', '<', limit)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Reserves one second-factor attempt on an account: false when it is locked or at the limit. */
export async function reserveUserMfaAttempt(
  db: Kysely<Database>,
  userId: string,
  limit: number,
): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set((eb) => ({ mfa_failures: eb('mfa_failures', '+', 1) }))
    .where('id', '=', userId)
    .where('mfa_locked_at', 'is', null)
    .where('mfa_failures', '<', limit)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Both counters back to 0 after an accepted answer. */
export async function resetMfaFailures(
  db: Kysely<Database>,
  userId: string,
  sessionId: string | undefined,
): Promise<void> {
  await db.updateTable('users').set({ mfa_failures: 0 }).where('id', '=', userId).execute();
  if (sessionId !== undefined)
    await db.updateTable('sessions').set({ mfa_failures: 0 }).where('id', '=', sessionId).execute();
}

export async function sessionMfaFailures(db: Kysely<Database>, sessionId: string): Promise<number> {
  const row = await db
    .selectFrom('sessions')
    .select('mfa_failures')
    .where('id', '=', sessionId)
    .executeTakeFirst();
  return Number(row?.mfa_failures ?? 0);
}

/**
 * Consumes a TOTP time step by compare-and-set: only a step later than every step accepted before
 * (ASVS 6.5.1). Two sessions presenting the same code at once: exactly one of them gets true.
 */
export async function consumeTotpStep(db: Kysely<Database>, userId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Takes the session's WebAuthn challenge of a kind ('reg:' registration, 'auth:' assertion), once:
 * undefined when there is none of that kind (or another request took it first).
 */
export async function takeWebauthnChallenge(
  db: Kysely<Database>,
  sessionId: string,
  kind: 'reg' | 'auth',
): Promise<string | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select('webauthn_challenge')
    .where('id', '=', sessionId)
    .executeTakeFirst();
  const challenge = row?.webauthn_challenge ?? null;
  if (challenge === null || !challenge.startsWith(`${kind}:`)) return undefined;
  const result = await db
    .updateTable('sessions')
    .set({ webauthn_challenge: null })
    .where('id', '=', sessionId)
    .where('webauthn_challenge', '=', challenge)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? challenge.slice(kind.length + 1) : undefined;
}

export const listPasskeys = (db: Kysely<Database>, userId: string) =>
  db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();

export async function insertPasskey(db: Kysely<Database>, row: PasskeyRow): Promise<void> {
  await db.insertInto('passkeys').values(row).execute();
}

export async function deletePasskey(db: Kysely<Database>, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('passkeys')
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** Advances a passkey's signature counter by compare-and-set on the value that was checked. */
export async function advancePasskeyCounter(
  db: Kysely<Database>,
  id: string,
  from: number,
  to: number,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ counter: to, last_used_at: at })
    .where('id', '=', id)
    .where('counter', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
