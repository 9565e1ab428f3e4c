import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Second factors, hardened (issue #12): counted second-factor failures per session and per account
 * (ASVS 6.3.1, 21 CFR 11.300(d)), a pending TOTP secret that replaces the current one only once it is
 * confirmed (ASVS 6.4.x), a WebAuthn challenge per session, and the passkeys (WebAuthn credentials).
 * The new session columns are not watched by the access epoch triggers (0004): they never change who
 * may do what, only how a sign-in may continue.
 */
export function secondFactorsMigration(dialect: Dialect): Migration {
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('users')
        .addColumn('mfa_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('users').addColumn('mfa_locked_at', 'text').execute();
      await db.schema.alterTable('users').addColumn('totp_pending_sealed', binary).execute();
      await db.schema
        .alterTable('sessions')
        .addColumn('mfa_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('sessions').addColumn('webauthn_challenge', 'text').execute();
      await db.schema
        .createTable('passkeys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('public_key', binary, (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull())
        .addColumn('transports', 'text', (c) => c.notNull())
        .addColumn('rp_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('passkeys_user').on('passkeys').columns(['user_id']).execute();
    },
  };
}
