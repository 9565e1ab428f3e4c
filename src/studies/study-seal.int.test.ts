import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedStudy } from '../../test/support/fixtures.js';
import { expectTamperRefused } from '../../test/support/row-tamper.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';

for (const dialect of DIALECTS) {
  describe(`study, site and study key rows checked on read (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    it('issue #17: a study whose status or title was changed in SQL is refused, and left out of the list', async () => {
      const study = await seedStudy(t.vault);
      const other = await seedStudy(t.vault, 'TV-TEST-002');
      await t.vault.store.db
        .updateTable('studies')
        .set({ status: 'live' })
        .where('id', '=', study.id)
        .execute();
      await expectTamperRefused(t.vault, await t.vault.studies.getStudy(CLI_ACTOR, study.id), 'studies');
      const listed = await t.vault.studies.listStudies(CLI_ACTOR);
      expect(listed.map((s) => s.id)).toEqual([other.id]);
      const enrolled = await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01' });
      expect(enrolled.ok ? 'enrolled' : enrolled.error.code).toBe('ROW_TAMPERED');
    });

    it('issue #17: a site renamed in SQL is refused; no participant is enrolled at it', async () => {
      const study = await seedStudy(t.vault);
      await t.vault.store.db
        .updateTable('sites')
        .set({ name: 'Elsewhere' })
        .where('code', '=', 'S01')
        .execute();
      await expectTamperRefused(t.vault, await t.vault.studies.listSites(CLI_ACTOR, study.id), 'sites');
      const enrolled = await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01' });
      expect(enrolled.ok ? 'enrolled' : enrolled.error.code).toBe('ROW_TAMPERED');
      expect(await t.vault.store.db.selectFrom('participants').selectAll().execute()).toHaveLength(0);
    });

    it('issue #17, NIST SP 800-57: a study key row changed in SQL is refused before it is unwrapped', async () => {
      const study = await seedStudy(t.vault);
      await t.vault.store.db
        .updateTable('study_keys')
        .set({ created_at: '2000-01-01T00:00:00.000Z' })
        .where('study_id', '=', study.id)
        .execute();
      t.vault.keyring.forgetStudyKey(study.id, 1);
      const enrolled = await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01' });
      await expectTamperRefused(t.vault, enrolled, 'study_keys');
      expect(await t.vault.store.db.selectFrom('participant_keys').selectAll().execute()).toHaveLength(0);
      expect(expectOk(await t.vault.studies.getStudy(CLI_ACTOR, study.id)).id).toBe(study.id);
    });
  });
}
