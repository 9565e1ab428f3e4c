import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';

/** Issue #15 item 2: a multiple-choice field stored and read on each dialect, clear and sealed. */
const SYMPTOMS_FORM = {
  oid: 'SYMPTOMS',
  name: 'Symptoms',
  fields: [
    {
      oid: 'SYMPTOMS',
      label: 'Symptoms',
      type: 'multichoice',
      class: 'clinical',
      required: true,
      choices: [
        { code: 'FEVER', label: 'Fever' },
        { code: 'NAUSEA', label: 'Nausea' },
        { code: 'RASH', label: 'Rash' },
      ],
    },
    {
      oid: 'BENEFITS',
      label: 'Benefits received',
      type: 'multichoice',
      class: 'financial',
      choices: [
        { code: 'TRAVEL', label: 'Travel' },
        { code: 'MEALS', label: 'Meals' },
      ],
    },
  ],
};

for (const dialect of DIALECTS) {
  describe(`multichoice records (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    async function created() {
      const study = await seedStudy(t.vault);
      expectOk(await t.vault.forms.defineForm(CLI_ACTOR, study.id, SYMPTOMS_FORM));
      expectOk(await t.vault.forms.publish(CLI_ACTOR, study.id, 'SYMPTOMS', { reason: 'Add symptoms form' }));
      const participant = expectOk(
        await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01', consentDate: '2026-09-01' }),
      );
      return expectOk(
        await t.vault.records.create(CLI_ACTOR, {
          participantId: participant.id,
          form: 'SYMPTOMS',
          visit: 'BASELINE',
          values: { SYMPTOMS: ['RASH', 'FEVER'], BENEFITS: ['TRAVEL', 'MEALS'] },
        }),
      );
    }

    it('stores the ticked codes canonically, clear and sealed, and reads them back', async () => {
      const record = await created();
      expect(record.values).toEqual({ SYMPTOMS: ['FEVER', 'RASH'] });
      expect(record.masked).toEqual(['BENEFITS']);
      const revealed = expectOk(await t.vault.records.read(CLI_ACTOR, record.id, { reveal: true }));
      expect(revealed.values).toEqual({ SYMPTOMS: ['FEVER', 'RASH'], BENEFITS: ['MEALS', 'TRAVEL'] });
      const row = await t.vault.store.db
        .selectFrom('record_versions')
        .selectAll()
        .where('record_id', '=', record.id)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.clear_values)).toEqual({ SYMPTOMS: ['FEVER', 'RASH'] });
      // The financial list is sealed: neither code is in the row.
      expect(row.sealed_values).not.toMatch(/TRAVEL|MEALS/);
      expect(Object.keys(JSON.parse(row.sealed_values))).toEqual(['BENEFITS']);
    });

    it('an update shows old -> new lists in the history; the same set in another order changes nothing', async () => {
      const record = await created();
      const same = await t.vault.records.update(CLI_ACTOR, record.id, {
        changes: { SYMPTOMS: ['RASH', 'FEVER'], BENEFITS: 'MEALS,TRAVEL' },
        reason: 'Re-entered',
      });
      expect(same.ok ? null : same.error.code).toBe('VALIDATION_FAILED');
      const updated = expectOk(
        await t.vault.records.update(CLI_ACTOR, record.id, {
          changes: { SYMPTOMS: ['NAUSEA', 'FEVER'] },
          reason: 'Transcription error',
        }),
      );
      expect(updated.values.SYMPTOMS).toEqual(['FEVER', 'NAUSEA']);
      const history = expectOk(await t.vault.records.history(CLI_ACTOR, record.id, { reveal: true }));
      expect(history[1]?.changes).toEqual([
        { field: 'SYMPTOMS', old: { value: ['FEVER', 'RASH'] }, new: { value: ['FEVER', 'NAUSEA'] } },
      ]);
    });

    it('refuses an undeclared code and a code twice, naming the field and not the value', async () => {
      const record = await created();
      for (const bad of [
        ['FEVER', 'COUGH'],
        ['FEVER', 'FEVER'],
      ]) {
        const result = await t.vault.records.update(CLI_ACTOR, record.id, {
          changes: { SYMPTOMS: bad },
          reason: 'Bad entry',
        });
        expect(result.ok ? null : result.error.code).toBe('VALIDATION_FAILED');
        expect(JSON.stringify(result.ok ? {} : result.error)).not.toContain('COUGH');
        expect(result.ok ? {} : result.error.details?.fields).toHaveProperty('SYMPTOMS');
      }
    });
  });
}
