import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollWithDemographics, PERSON, seedStudy } from '../../test/support/fixtures.js';
import { expectTamperRefused } from '../../test/support/row-tamper.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';

for (const dialect of DIALECTS) {
  describe(`form rows checked on read (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    it('issue #17, ASVS 8.2.1: a definition whose FULL_NAME class was set to clinical in SQL is never used (values would be stored in the clear)', async () => {
      const study = await seedStudy(t.vault);
      const participant = expectOk(await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01' }));
      const form = await t.vault.store.db
        .selectFrom('form_versions')
        .innerJoin('forms', 'forms.id', 'form_versions.form_id')
        .select(['form_versions.id', 'form_versions.definition'])
        .where('forms.oid', '=', 'DEMOG')
        .executeTakeFirstOrThrow();
      const clear = form.definition.replace(/"class":"identifier"/g, '"class":"clinical"');
      expect(clear).not.toBe(form.definition);
      await t.vault.store.db
        .updateTable('form_versions')
        .set({ definition: clear })
        .where('id', '=', form.id)
        .execute();
      const created = await t.vault.records.create(CLI_ACTOR, {
        participantId: participant.id,
        form: 'DEMOG',
        visit: 'SCREENING',
        values: PERSON,
      });
      await expectTamperRefused(t.vault, created, 'form_versions');
      expect(await t.vault.store.db.selectFrom('records').selectAll().execute()).toHaveLength(0);
      const shown = await t.vault.forms.getLiveForm(CLI_ACTOR, study.id, 'DEMOG');
      expect(shown.ok ? 'shown' : shown.error.code).toBe('ROW_TAMPERED');
    });

    it('issue #17: a form row changed in SQL is refused; untouched forms still work', async () => {
      const study = await seedStudy(t.vault);
      const { record } = await enrollWithDemographics(t.vault, study.id);
      await t.vault.store.db
        .updateTable('forms')
        .set({ name: 'Renamed by hand' })
        .where('oid', '=', 'VITALS')
        .execute();
      const live = await t.vault.forms.liveForm(study.id, 'VITALS');
      await expectTamperRefused(t.vault, live, 'forms');
      // Untouched forms still work.
      expect(expectOk(await t.vault.records.read(CLI_ACTOR, record.id)).id).toBe(record.id);
    });
  });
}
