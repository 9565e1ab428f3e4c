import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../dialect.js';

/** The counter the access cache compares against; every change to who may do what advances it. */
export const ACCESS_EPOCH = 'access_epoch';

/**
 * What access depends on. Sessions advance the epoch on any change but the once-a-minute activity
 * stamp, which would otherwise empty the cache every minute per signed-in user.
 */
const WATCHED: ReadonlyArray<{ table: string; updateOf?: string }> = [
  { table: 'users' },
  { table: 'grants' },
  { table: 'api_tokens' },
  { table: 'break_glass' },
  {
    table: 'sessions',
    updateOf: 'token_hash, user_id, state, created_at, expires_at, mfa_at, signed_at, ended_at, end_reason',
  },
];

/**
 * Triggers, not application code, advance the epoch: a grant revoked by the CLI in another process, or
 * a row changed by hand, empties every server's access cache on its next request (ASVS 7.4.1, 8.2.1).
 */
export function accessEpochMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`insert into counters (name, value) values (${ACCESS_EPOCH}, 0)`.execute(db);
      if (dialect === 'postgres') {
        await sql`create function trialvault_access_epoch() returns trigger language plpgsql as $$
          begin
            update counters set value = value + 1 where name = 'access_epoch';
            return null;
          end $$`.execute(db);
      }
      for (const { table, updateOf } of WATCHED) await createEpochTriggers(db, dialect, table, updateOf);
    },
  };
}

/** Triggers that advance the access epoch on every insert, delete and (watched) update of `table`. */
export async function createEpochTriggers(
  db: Kysely<unknown>,
  dialect: Dialect,
  table: string,
  updateOf?: string,
): Promise<void> {
  const events = ['insert', updateOf === undefined ? 'update' : `update of ${updateOf}`, 'delete'];
  for (const [i, event] of events.entries()) {
    const name = sql.raw(`${table}_access_epoch_${i}`);
    const on = sql.raw(`${event} on ${table}`);
    if (dialect === 'postgres') {
      await sql`create trigger ${name} after ${on} for each statement execute function trialvault_access_epoch()`.execute(
        db,
      );
    } else {
      await sql`create trigger ${name} after ${on} for each row begin
        update counters set value = value + 1 where name = 'access_epoch';
      end`.execute(db);
    }
  }
}
