import { describe, expect, it } from 'vitest';
import { DbaStore } from '../support/dba.js';
import { runBuiltCli } from '../support/dba-cli.js';
import { rawDb } from '../support/dba-sql.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s13, the schema guard's false alarms (fixed): routine maintenance that changes nothing of what
 * decides how writes behave, done beside a running server, turned every request into STORE_DAMAGED.
 * A moved stamp is now followed by a whole check of the schema; only a real difference refuses.
 */
async function wrongLogin(s: DbaStore, email: string) {
  const answer = await s.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password: 'a wrong guess of twelve+' },
  });
  return { status: answer.statusCode, code: (answer.json() as { error?: { code?: string } }).error?.code };
}

describe('review s13: routine maintenance beside a running server raises no false alarm', () => {
  it('sqlite: VACUUM of the file by the operator (it adds one to the schema cookie)', async () =>
    DbaStore.with('sqlite', async (s) => {
      const victim = await s.person('principal_investigator');
      expect((await wrongLogin(s, victim.email)).status).toBe(401);
      const dba = await rawDb(s.place.location);
      try {
        await dba.run('VACUUM');
      } finally {
        await dba.close();
      }
      expect(await wrongLogin(s, victim.email)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
      expect((await s.signIn(victim)).browser).toBeDefined();
      // A restart finds nothing wrong at all.
      await s.stop();
      await s.start();
      expect((await s.signIn(victim)).browser).toBeDefined();
      expect(await s.findings()).toEqual([]);
    }));

  it('sqlite: the first ANALYZE (it creates sqlite_stat1)', async () =>
    DbaStore.with('sqlite', async (s) => {
      const victim = await s.person('principal_investigator');
      const dba = await rawDb(s.place.location);
      try {
        await dba.run('ANALYZE');
      } finally {
        await dba.close();
      }
      expect(await wrongLogin(s, victim.email)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    }));

  it('postgres: GRANT EXECUTE on the access-epoch function (pg_proc.proacl, a new xmin)', async () =>
    DbaStore.with('postgres', async (s) => {
      const victim = await s.person('principal_investigator');
      const dba = await rawDb(s.place.location);
      try {
        await dba.run('grant execute on function trialvault_access_epoch() to public');
      } finally {
        await dba.close();
      }
      expect(await wrongLogin(s, victim.email)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
      await s.stop();
      await s.start();
      expect((await s.signIn(victim)).browser).toBeDefined();
      expect(await s.findings()).toEqual([]);
    }));

  for (const dialect of DIALECTS) {
    it(`held (${dialect}): a CLI process opening the store beside the running server changes no stamp`, async () =>
      DbaStore.with(dialect, async (s) => {
        const victim = await s.person('principal_investigator');
        const verify = await runBuiltCli(s.place, 'verify');
        expect(verify.code, verify.out + verify.err).toBe(0);
        expect((await wrongLogin(s, victim.email)).status).toBe(401);
        expect((await s.signIn(victim)).browser).toBeDefined();
      }));
  }

  it('held (postgres): VACUUM FULL, ANALYZE, REINDEX, catalog VACUUM FREEZE / FULL beside the server', async () =>
    DbaStore.with('postgres', async (s) => {
      const victim = await s.person('principal_investigator');
      await s.sql(async (db) => {
        for (const q of [
          'vacuum full users',
          'analyze',
          'reindex table users',
          'vacuum freeze pg_catalog.pg_proc',
          'vacuum full pg_catalog.pg_trigger',
          'vacuum full pg_catalog.pg_constraint',
          'vacuum freeze pg_catalog.pg_attrdef',
        ])
          await db.run(q);
      });
      expect((await wrongLogin(s, victim.email)).status).toBe(401);
      expect((await s.signIn(victim)).browser).toBeDefined();
    }));
});
