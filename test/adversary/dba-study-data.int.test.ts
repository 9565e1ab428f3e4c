import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DbaStore } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Participants, sites and studies from the database administrator's seat (issue #17). A participant's
 * status or site changed in SQL is never honoured by the server started again on the store (the site
 * decides who reads the participant: ASVS 8.2.2); a participant or a site deleted, a site renamed, a
 * study's status or title changed is found by `verify`, naming the table (21 CFR 11.10(e): changes
 * never obscure what was recorded; ICH E6(R3) 4.2.2).
 */
for (const dialect of DIALECTS) {
  describe(`DBA: participants, sites and studies changed in SQL (${dialect})`, () => {
    it("21 CFR 11.10(e) / ICH E6(R3) 4.2.2: a withdrawn participant's status set back to enrolled in SQL is refused", async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        expectOk(
          await s.vault.participants.setStatus(CLI_ACTOR, p.id, 'withdrawn', 'Withdrew consent at visit 2'),
        );
        await s.tamper(async (db) => {
          expect(await db.run(`update participants set status = 'enrolled' where id = ?`, p.id)).toBe(1);
        });
        const read = await s.as(pi, 'GET', `/api/v1/participants/${p.id}`);
        expect(read.body?.status).not.toBe('enrolled');
        await s.expectRefused(read, 'participants');
        await s.expectFound('participants');
      }));

    it("ASVS 8.2.2 / HIPAA 164.312(a)(1): a participant moved to another site in SQL is not shown to that site's coordinator", async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S02');
        const p = await s.participant('S01');
        const s02 = await s.siteId('S02');
        await s.tamper(async (db) => {
          expect(await db.run('update participants set site_id = ? where id = ?', s02, p.id)).toBe(1);
        });
        const read = await s.as(coordinator, 'GET', `/api/v1/participants/${p.id}`);
        expect(read.status).not.toBe(200);
        await s.expectRefused(read, 'participants');
        await s.expectFound('participants');
      }));

    it('21 CFR 11.10(e) / ICH E6(R3) 4.2.2: a participant deleted in SQL is found by verify', async () =>
      DbaStore.with(dialect, async (s) => {
        const p = await s.participant('S01');
        await s.tamper(async (db) => {
          expect(await db.run('delete from participants where id = ?', p.id)).toBe(1);
        });
        await s.expectFound('participants');
      }));

    it('21 CFR 11.10(e): a site renamed in SQL is found by verify', async () =>
      DbaStore.with(dialect, async (s) => {
        await s.tamper(async (db) => {
          const renamed = await db.run(
            `update sites set name = 'Elsewhere' where study_id = ? and code = 'S01'`,
            s.study.id,
          );
          expect(renamed).toBe(1);
        });
        await s.expectFound('sites');
      }));

    it('21 CFR 11.10(e) / ICH E6(R3) 4.2.2: a site deleted in SQL (its participants vanish from lists) is found by verify', async () =>
      DbaStore.with(dialect, async (s) => {
        await s.participant('S02');
        await s.tamper(async (db) => {
          expect(await db.run(`delete from sites where study_id = ? and code = 'S02'`, s.study.id)).toBe(1);
        });
        await s.expectFound('sites');
      }));

    it("21 CFR 11.10(e): a closed study's status set back to live in SQL is refused and found by verify", async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        expectOk(await s.vault.studies.setStatus(CLI_ACTOR, s.study.id, 'closed'));
        await s.tamper(async (db) => {
          expect(await db.run(`update studies set status = 'live' where id = ?`, s.study.id)).toBe(1);
        });
        const read = await s.as(pi, 'GET', `/api/v1/studies/${s.study.id}`);
        expect(read.body?.status).not.toBe('live');
        await s.expectRefused(read, 'studies');
        await s.expectFound('studies');
      }));

    it("21 CFR 11.10(e): a study's title changed in SQL is found by verify", async () =>
      DbaStore.with(dialect, async (s) => {
        await s.tamper(async (db) => {
          expect(await db.run(`update studies set title = 'Another study' where id = ?`, s.study.id)).toBe(1);
        });
        await s.expectFound('studies');
      }));
  });
}
