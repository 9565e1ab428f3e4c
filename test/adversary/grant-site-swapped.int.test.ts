import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { TEST_PASSWORD } from '../support/access.js';
import { DbaStore } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s13 (H4, fixed: `checkedSite`, studies/known.ts): a grant names its site by code, read without the site row's MAC
 * (`access/user-service.ts` `grant`: `studies.findSite`, not `knownSite`). Site codes swapped in SQL
 * under the running server, then put back: the study administrator's grant "at S01" is a sealed,
 * authentic grant at S02 (the audit event says S01), and the coordinator reads S02's participants.
 * Now: ROW_TAMPERED naming `sites`, no grant.
 */
for (const dialect of DIALECTS) {
  describe(`issue #17 / review s13: a grant at a site whose code was swapped in SQL (${dialect})`, () => {
    it('the grant is refused while the codes are swapped, and no grant lands on the other site', async () =>
      DbaStore.with(dialect, async (s) => {
        const admin = await s.person('study_admin');
        const email = 'bob.s13@example.org';
        expectOk(await s.vault.users.addUser(CLI_ACTOR, { email, name: 'Bob', password: TEST_PASSWORD }));
        const s01 = await s.siteId('S01');
        const s02 = await s.siteId('S02');
        const browser = await s.browser(admin);
        const swap = () =>
          s.sql(async (db) => {
            await db.run("update sites set code = 'TMP' where id = ?", s01);
            await db.run("update sites set code = 'S01' where id = ?", s02);
            await db.run("update sites set code = 'S02' where id = ?", s01);
          });
        await swap();
        const granted = await s.call(browser, 'POST', '/api/v1/grants', {
          email,
          role: 'coordinator',
          study: s.study.protocolId,
          site: 'S01',
        });
        await swap(); // put back: every site row is as sealed again
        const rows = await s.vault.store.db
          .selectFrom('grants')
          .innerJoin('users', 'users.id', 'grants.user_id')
          .select(['grants.site_id'])
          .where('users.email', '=', email)
          .execute();
        const where = rows.map((r) => (r.site_id === s01 ? 'S01' : r.site_id === s02 ? 'S02' : r.site_id));
        expect({ status: granted.status, where }).toEqual({ status: 500, where: [] });
      }));
  });
}
