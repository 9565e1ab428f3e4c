import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/access/passwords.js';
import { DbaStore } from '../support/dba.js';
import { runBuiltCli } from '../support/dba-cli.js';
import { type RawDb, rawDb } from '../support/dba-sql.js';

/**
 * Review s13, second attack on the schema guard (fixed): ways a database administrator got a row
 * rewritten inside the application's own update and sealed past the schema guard (an object named
 * sqlite..., a view in pg_catalog, an inheritance child in another schema, an expression index, a
 * trigger marked internal, a trigger committed while the guard read the schema). Each is now refused
 * at the change itself: the row sealed as stored must be the row predicted from the row read locked
 * and the change's own writes (src/ledger/predicted-row.ts); the rewrite is rolled back with it.
 */
const EVIL_PASSWORD = 'the administrators own passphrase 7';

describe('schema guard bypass (sqlite): an object named sqliteX... is outside the definition', () => {
  // schemaDefinition filters `name not like 'sqlite_%'`: in LIKE `_` is any one character, so any
  // name starting "sqlite" + one character + anything is skipped; SQLite only reserves "sqlite_".
  const trigger = async (db: RawDb, hash: string) => {
    await db.run(`create trigger sqliteXevil after update of failed_attempts on users for each row begin
      update users set password_hash = '${hash}', totp_enabled = 0, totp_secret_sealed = null where id = new.id;
    end`);
  };

  it('serve starts, one failed sign-in seals the rewrite, verify finds nothing', async () =>
    DbaStore.with('sqlite', async (s) => {
      const victim = await s.person('principal_investigator');
      const hash = await hashPassword(EVIL_PASSWORD);
      await s.tamper((db) => trigger(db, hash));
      // The guard took the store for the one the migrations made.
      expect(await s.loginAnswer(victim.email, 'a wrong guess of twelve+')).toEqual({
        status: 503,
        code: 'STORE_DAMAGED',
      });
      // The administrator's password, no second factor: the account.
      const taken = await s.signIn(victim, { password: EVIL_PASSWORD });
      expect(taken.browser).toBeUndefined();
      // The trigger can even stay: verify does not see it.
      await s.stop();
      const verify = await runBuiltCli(s.place, 'verify');
      expect(verify.code).toBeLessThan(2);
      await s.start();
      // Dropped afterwards: nothing left at all.
      await s.tamper((db) => db.run('drop trigger sqliteXevil').then(() => undefined));
      expect((await s.signIn(victim, { password: EVIL_PASSWORD })).browser).toBeUndefined();
    }));
});

describe('schema guard bypass (sqlite): a trigger literally named sqlite_... (writable_schema)', () => {
  // Even with the LIKE escaped, the name filter itself is the hole: with writable_schema on (any
  // sqlite3 shell; better-sqlite3 in unsafe mode) SQLite lets a trigger be named sqlite_evil, and a
  // connection opened later loads it and fires it like any other.
  it('serve starts, the rewrite sealed, verify finds nothing', async () =>
    DbaStore.with('sqlite', async (s) => {
      const victim = await s.person('principal_investigator');
      const hash = await hashPassword(EVIL_PASSWORD);
      await s.stop();
      const file = s.place.location.dialect === 'sqlite' ? s.place.location.file : '';
      const db = new Sqlite(file);
      db.unsafeMode(true);
      db.pragma('writable_schema = ON');
      db.exec(`create trigger sqlite_evil after update of failed_attempts on users for each row begin
        update users set password_hash = '${hash}', totp_enabled = 0, totp_secret_sealed = null where id = new.id;
      end`);
      db.close();
      await s.start();
      expect((await s.loginAnswer(victim.email, 'a wrong guess of twelve+')).status).toBe(503);
      expect((await s.signIn(victim, { password: EVIL_PASSWORD })).browser).toBeUndefined();
      await s.stop();
      const verify = await runBuiltCli(s.place, 'verify');
      expect(verify.code).toBeLessThan(2);
      await s.start();
    }));
});

describe('schema guard bypass (postgres): an inheritance child in another schema carries the trigger', () => {
  // The definition and the stamp look at the store's schema only; pg_inherits is not looked at. An
  // UPDATE of `users` (no ONLY) updates the rows of its children, and a child's BEFORE UPDATE trigger
  // rewrites NEW; sealRows then reads the row back through `users` and seals it.
  const EVIL = `evil_${Math.random().toString(36).slice(2, 8)}`;
  const setUp = async (db: RawDb, userId: string, hash: string) => {
    await db.run(`create schema if not exists ${EVIL}`);
    await db.run(`create table ${EVIL}.users_kid () inherits (users)`);
    await db.run(`create function ${EVIL}.rw() returns trigger language plpgsql as $$ begin
        new.password_hash := '${hash}'; new.totp_enabled := 0; new.totp_secret_sealed := null; return new;
      end $$`);
    await db.run(
      `create trigger rw before update on ${EVIL}.users_kid for each row execute function ${EVIL}.rw()`,
    );
    // The victim's row, MAC and all, moved into the child (foreign keys are off for this session).
    await db.run(`insert into ${EVIL}.users_kid select * from only users where id = ?`, userId);
    await db.run('delete from only users where id = ?', userId);
  };
  const putBack = async (db: RawDb, userId: string) => {
    await db.run(`insert into users select * from ${EVIL}.users_kid where id = ?`, userId);
    await db.run(`drop schema ${EVIL} cascade`);
  };

  it('set up while the server runs: not refused, the rewrite sealed, verify finds nothing', async () =>
    DbaStore.with('postgres', async (s) => {
      const victim = await s.person('principal_investigator');
      const hash = await hashPassword(EVIL_PASSWORD);
      await s.sql((db) => setUp(db, victim.userId, hash));
      expect((await s.loginAnswer(victim.email, 'a wrong guess of twelve+')).status).toBe(503);
      await s.sql((db) => putBack(db, victim.userId));
      // Still the running server, never refused.
      const taken = await s.signIn(victim, { password: EVIL_PASSWORD });
      expect(taken.browser).toBeUndefined();
      await s.stop();
      const verify = await runBuiltCli(s.place, 'verify');
      expect(verify.code).toBeLessThan(2);
      await s.start();
      expect((await s.signIn(victim, { password: EVIL_PASSWORD })).browser).toBeUndefined();
    }));
});

describe('schema guard bypass (postgres): a view in pg_catalog shadows the store table', () => {
  // pg_catalog is searched before the store's schema (search_path=<schema> only), for relations too.
  // A superuser may create a view there (SET allow_system_table_mods, PGC_SUSET since PostgreSQL 12):
  // every unqualified `users` of the application then names the view. Its INSTEAD OF trigger (a
  // function also in pg_catalog) writes the row into the store's table with the rewrite added; the
  // read-back of sealRows reads through the view. Nothing of the store's schema changes: neither the
  // definition nor the stamp looks outside it.
  const TAG = Math.random().toString(36).slice(2, 8);
  const shadow = async (db: RawDb, userId: string, hash: string) => {
    const schema = String((await db.one('select current_schema() as s')).s);
    const q = `"${schema}"`;
    await db.run('set allow_system_table_mods = on');
    await db.run(`create view pg_catalog.users as select * from ${q}.users`);
    await db.run(`create function pg_catalog.tv_${TAG}() returns trigger language plpgsql as $$
      declare cols text;
      begin
        if old.id = '${userId}' and new.failed_attempts is distinct from old.failed_attempts then
          new.password_hash := '${hash}'; new.totp_enabled := 0; new.totp_secret_sealed := null;
        end if;
        select string_agg(quote_ident(attname), ',' order by attnum) into cols from pg_attribute
          where attrelid = '${q}.users'::regclass and attnum > 0 and not attisdropped;
        execute format('update ${q}.users set (%s) = (select %s from (select ($1).*) x) where id = $2', cols, cols)
          using new, old.id;
        return new;
      end $$`);
    await db.run(
      `create trigger tv instead of update on pg_catalog.users for each row execute function pg_catalog.tv_${TAG}()`,
    );
  };
  const unshadow = async (db: RawDb) => {
    await db.run('set allow_system_table_mods = on');
    await db.run('drop view pg_catalog.users');
    await db.run(`drop function pg_catalog.tv_${TAG}()`);
  };

  it('created and dropped while the server runs: never refused, the rewrite sealed, verify finds nothing', async () =>
    DbaStore.with('postgres', async (s) => {
      const victim = await s.person('principal_investigator');
      const hash = await hashPassword(EVIL_PASSWORD);
      try {
        await s.sql((db) => shadow(db, victim.userId, hash));
        expect((await s.loginAnswer(victim.email, 'a wrong guess of twelve+')).status).toBe(503);
      } finally {
        await s.sql((db) => unshadow(db));
      }
      const taken = await s.signIn(victim, { password: EVIL_PASSWORD });
      expect(taken.browser).toBeUndefined();
      await s.stop();
      const verify = await runBuiltCli(s.place, 'verify');
      expect(verify.code).toBeLessThan(2);
      await s.start();
      expect((await s.signIn(victim, { password: EVIL_PASSWORD })).browser).toBeUndefined();
    }));
});

describe('schema guard bypass (postgres): a trigger marked internal (pg_trigger.tgisinternal)', () => {
  // schemaDefinition lists triggers `where not t.tgisinternal` (foreign keys' own triggers); a
  // superuser may set the flag on a trigger of their own in the catalog. The trigger still fires.
  // The stamp lists it, but the stamp is taken at open with the trigger already there.
  const EVIL = `evil_${Math.random().toString(36).slice(2, 8)}`;
  const plant = async (db: RawDb, hash: string) => {
    await db.run(`create schema ${EVIL}`);
    await db.run(`create function ${EVIL}.rw() returns trigger language plpgsql as $$ begin
        new.password_hash := '${hash}'; new.totp_enabled := 0; new.totp_secret_sealed := null; return new;
      end $$`);
    await db.run(
      `create trigger zz_rw before update of failed_attempts on users for each row execute function ${EVIL}.rw()`,
    );
    await db.run(
      "update pg_trigger set tgisinternal = true where tgname = 'zz_rw' and tgrelid = 'users'::regclass",
    );
  };

  it('planted while stopped: serve starts, the rewrite sealed, verify finds nothing (trigger kept)', async () =>
    DbaStore.with('postgres', async (s) => {
      const victim = await s.person('principal_investigator');
      const hash = await hashPassword(EVIL_PASSWORD);
      try {
        await s.tamper((db) => plant(db, hash));
        expect((await s.loginAnswer(victim.email, 'a wrong guess of twelve+')).status).toBe(503);
        expect((await s.signIn(victim, { password: EVIL_PASSWORD })).browser).toBeUndefined();
        await s.stop();
        const verify = await runBuiltCli(s.place, 'verify');
        expect(verify.code).toBeLessThan(2);
        await s.start();
      } finally {
        await s.sql(async (db) => {
          await db.run("update pg_trigger set tgisinternal = false where tgname = 'zz_rw'");
          await db.run('drop trigger if exists zz_rw on users');
          await db.run(`drop schema if exists ${EVIL} cascade`);
        });
      }
    }));
});

describe('schema guard race at open (postgres): definition and stamp are two snapshots', () => {
  // guardSchema reads the definition (one statement) and then the stamp (another). The definition's
  // pg_get_expr waits for a lock on `users` (its column default) under the statement's snapshot; the
  // administrator holding that lock creates the trigger in the same transaction and commits: the
  // definition does not see it, the stamp taken right after does. The trigger is then "as checked".
  const EVIL = `evil_${Math.random().toString(36).slice(2, 8)}`;

  it('a trigger committed while the definition waits: the rewrite sealed; dropped before a restart, nothing found', async () =>
    DbaStore.with('postgres', async (s) => {
      const victim = await s.person('principal_investigator');
      const hash = await hashPassword(EVIL_PASSWORD);
      await s.stop();
      const dba = await rawDb(s.place.location);
      const watch = await rawDb(s.place.location);
      let starting: Promise<void> | undefined;
      try {
        await dba.run('begin');
        await dba.run('lock table users in access exclusive mode');
        starting = s.start();
        // Wait until the server's definition query is blocked on the lock.
        for (let i = 0; ; i++) {
          const waiting = await watch.all(
            "select pid from pg_stat_activity where wait_event_type = 'Lock' and query like '%columns:%'",
          );
          if (waiting.length > 0) break;
          if (i > 500) throw new Error('the definition query never waited');
          await new Promise((r) => setTimeout(r, 10));
        }
        await dba.run(`create schema ${EVIL}`);
        await dba.run(`create function ${EVIL}.rw() returns trigger language plpgsql as $$ begin
            new.password_hash := '${hash}'; new.totp_enabled := 0; new.totp_secret_sealed := null; return new;
          end $$`);
        await dba.run(
          `create trigger users_evil before update of failed_attempts on users for each row execute function ${EVIL}.rw()`,
        );
        await dba.run('commit');
        await starting;
      } finally {
        await dba.close();
        await watch.close();
      }
      // Started: the schema was found as the migrations made it, and the trigger is in the stamp.
      expect((await s.loginAnswer(victim.email, 'a wrong guess of twelve+')).status).toBe(503);
      expect((await s.signIn(victim, { password: EVIL_PASSWORD })).browser).toBeUndefined();
      // Dropped before the next restart; no sealed change ran in between, so nothing was ever refused.
      await s.tamper(async (db) => {
        await db.run('drop trigger users_evil on users');
        await db.run(`drop schema ${EVIL} cascade`);
      });
      await s.stop();
      const verify = await runBuiltCli(s.place, 'verify');
      expect(verify.code).toBeLessThan(2);
      await s.start();
      expect((await s.signIn(victim, { password: EVIL_PASSWORD })).browser).toBeUndefined();
    }));
});

describe('schema guard bypass (postgres): an expression index in the store schema runs code on every write', () => {
  // The definition lists relations of kind r, v, m, p, f only: an index (kind i) is neither in it nor
  // in the stamp (pg_class, pg_index). An expression index on `counters` calls a function (declared
  // immutable, in another schema) on every advance of a counter: the event's sequence number is taken
  // (nextCounter) after the change's update and before sealRows reads the row back. The function calls
  // a volatile one that rewrites the victim's row: sealed.
  const EVIL = `evil_${Math.random().toString(36).slice(2, 8)}`;
  const plant = async (db: RawDb, userId: string, hash: string) => {
    const schema = String((await db.one('select current_schema() as s')).s);
    await db.run(`create schema ${EVIL}`);
    await db.run(`create function ${EVIL}.g() returns void language plpgsql volatile as $$ begin
        if coalesce(current_setting('${EVIL}.busy', true), '') = '1' then return; end if;
        perform set_config('${EVIL}.busy', '1', true);
        update "${schema}".users set password_hash = '${hash}', totp_enabled = 0, totp_secret_sealed = null
          where id = '${userId}' and failed_attempts > 0 and password_hash <> '${hash}';
        perform set_config('${EVIL}.busy', '', true);
      end $$`);
    await db.run(`create function ${EVIL}.f(v bigint) returns bigint language plpgsql immutable as $$ begin
        perform ${EVIL}.g(); return v;
      end $$`);
    await db.run(`create index counters_v on counters ((${EVIL}.f(value::bigint)))`);
  };
  const unplant = async (db: RawDb) => {
    await db.run('drop index counters_v');
    await db.run(`drop schema ${EVIL} cascade`);
  };

  it('created and dropped while the server runs: never refused, the rewrite sealed, verify finds nothing', async () =>
    DbaStore.with('postgres', async (s) => {
      const victim = await s.person('principal_investigator');
      const hash = await hashPassword(EVIL_PASSWORD);
      try {
        await s.sql((db) => plant(db, victim.userId, hash));
        expect((await s.loginAnswer(victim.email, 'a wrong guess of twelve+')).status).toBe(503);
      } finally {
        await s.sql((db) => unplant(db));
      }
      expect((await s.signIn(victim, { password: EVIL_PASSWORD })).browser).toBeUndefined();
      await s.stop();
      const verify = await runBuiltCli(s.place, 'verify');
      expect(verify.code).toBeLessThan(2);
      await s.start();
      expect((await s.signIn(victim, { password: EVIL_PASSWORD })).browser).toBeUndefined();
    }));
});
