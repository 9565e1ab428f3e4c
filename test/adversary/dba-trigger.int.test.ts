import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/access/passwords.js';
import { TEST_PASSWORD } from '../support/access.js';
import { DbaStore } from '../support/dba.js';
import { runBuiltCli } from '../support/dba-cli.js';
import { type RawDb, rawDb } from '../support/dba-sql.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s13 (open, fixed here): a database administrator creates a trigger that rewrites a row inside
 * the application's own update, after the row was checked and under the application's lock; the
 * change's event then sealed the row as stored (`sealRows` reads it back), so the rewrite was vouched
 * for and the trigger dropped. Here one failed sign-in would have sealed the administrator's password
 * hash and switched the second factor off. Fixed: the schema is checked against what the migrations
 * create when the store opens (`trialvault serve` refuses, `verify` names the object), and every change
 * that seals rows as stored first compares a stamp of the schema with the one checked
 * (storage/schema-guard.ts): the change is refused and rolled back, the trigger's rewrite with it.
 */
const EVIL_PASSWORD = 'the administrators own passphrase 7';

async function createTrigger(db: RawDb, hash: string): Promise<void> {
  if (db.dialect === 'sqlite') {
    await db.run(`create trigger users_evil after update of failed_attempts on users for each row begin
      update users set password_hash = '${hash}', totp_enabled = 0, totp_secret_sealed = null where id = new.id;
    end`);
    return;
  }
  await db.run(`create function evil_rewrite() returns trigger language plpgsql as $$ begin
      update users set password_hash = '${hash}', totp_enabled = 0, totp_secret_sealed = null where id = new.id;
      return null;
    end $$`);
  await db.run(
    'create trigger users_evil after update of failed_attempts on users for each row execute function evil_rewrite()',
  );
}

async function dropTrigger(db: RawDb): Promise<void> {
  await db.run(db.dialect === 'sqlite' ? 'drop trigger users_evil' : 'drop trigger users_evil on users');
  if (db.dialect === 'postgres') await db.run('drop function evil_rewrite()');
}

for (const dialect of DIALECTS) {
  describe(`issue #17 / review s13: a trigger put in by the database administrator is never obeyed (${dialect})`, () => {
    it('a trigger created while the server runs: the failed sign-in it rides is refused and rolled back', async () =>
      DbaStore.with(dialect, async (s) => {
        const victim = await s.person('principal_investigator');
        const dba = await rawDb(s.place.location);
        try {
          await createTrigger(dba, await hashPassword(EVIL_PASSWORD));
          // The change that would have sealed the rewrite is refused: nothing of it is kept.
          expect(await s.loginAnswer(victim.email, 'a wrong guess of twelve+')).toEqual({
            status: 503,
            code: 'STORE_DAMAGED',
          });
          await dropTrigger(dba);
        } finally {
          await dba.close();
        }
        // Every request is refused until the operator restarts on a schema as the migrations made it.
        expect((await s.loginAnswer(victim.email, EVIL_PASSWORD)).code).toBe('STORE_DAMAGED');
        const alerts = await s.vault.store.db.selectFrom('alerts').selectAll().execute();
        expect(alerts.some((a) => a.kind === 'row.tampered' && a.details.includes('schema'))).toBe(true);
        await s.stop();
        await s.start();
        expect((await s.loginAnswer(victim.email, EVIL_PASSWORD)).status).toBe(401);
        expect((await s.signIn(victim)).browser).toBeDefined();
        expect(await s.findings()).toEqual([]);
      }));

    it('a trigger found at start: every request refused, verify names it, serve will not start', async () =>
      DbaStore.with(dialect, async (s) => {
        const victim = await s.person('principal_investigator');
        await s.tamper((db) => createTrigger(db, 'x'));
        expect(await s.loginAnswer(victim.email, TEST_PASSWORD)).toEqual({
          status: 503,
          code: 'STORE_DAMAGED',
        });
        const findings = await s.findings();
        expect(findings.map((f) => [f.table, f.row, f.kind])).toContainEqual([
          'schema',
          'trigger:users_evil'.replace('trigger:', dialect === 'sqlite' ? 'trigger:' : 'trigger:users.'),
          'inserted',
        ]);
        await s.stop();
        const verify = await runBuiltCli(s.place, 'verify');
        expect(verify.code).not.toBe(0);
        expect(verify.out + verify.err).toContain('users_evil');
        const serve = await runBuiltCli(s.place, 'serve');
        expect(serve.code).toBe(2);
        expect(serve.err.trim().split('\n')).toHaveLength(1);
        expect(serve.err).toContain('schema');
        await s.start();
      }));

    it.skipIf(dialect !== 'postgres')(
      "the access counter's own function made to rewrite rows: the change it rides is refused",
      async () =>
        DbaStore.with(dialect, async (s) => {
          const victim = await s.person('principal_investigator');
          const dba = await rawDb(s.place.location);
          try {
            const body = await dba.one(
              "select prosrc from pg_proc where proname = 'trialvault_access_epoch' and pronamespace = current_schema()::regnamespace",
            );
            const replace = (text: string) =>
              dba.run(
                `create or replace function trialvault_access_epoch() returns trigger language plpgsql as $fn$${text}$fn$`,
              );
            await replace(
              "begin update counters set value = value + 1 where name = 'access_epoch'; if pg_trigger_depth() < 2 then update users set totp_enabled = 0; end if; return null; end",
            );
            expect((await s.loginAnswer(victim.email, 'a wrong guess of twelve+')).code).toBe(
              'STORE_DAMAGED',
            );
            await replace(String(body.prosrc));
          } finally {
            await dba.close();
          }
          await s.stop();
          await s.start();
          expect(await s.findings()).toEqual([]);
          expect((await s.signIn(victim)).browser).toBeDefined();
        }),
    );
  });
}
