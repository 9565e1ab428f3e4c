import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DbaStore } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Form logic from a hostile client's seat (issue #15 item 5, docs/logic.md): the browser evaluates
 * branching, calculations and checks, but the server is the authority. A coordinator's client that
 * skips the browser's logic (a value in a hidden field, a forged BMI, diastolic above systolic) is
 * refused over HTTP and nothing is stored (ICH E6(R3) 4.2.2 / 21 CFR 11.10(h): device checks on data
 * entry; ASVS 2.2.1: input validated at a trusted service layer).
 */
const LIFESTYLE = {
  oid: 'LIFESTYLE',
  name: 'Lifestyle',
  fields: [
    { oid: 'SMOKER', label: 'Smoker', type: 'boolean', class: 'clinical', required: true },
    { oid: 'CIGS', label: 'Cigarettes per day', type: 'integer', class: 'clinical', show: '[SMOKER] = true' },
    { oid: 'WEIGHT', label: 'Weight', type: 'decimal', class: 'clinical', min: 20, max: 350 },
    { oid: 'HEIGHT', label: 'Height', type: 'decimal', class: 'clinical', min: 50, max: 250 },
    {
      oid: 'BMI',
      label: 'BMI',
      type: 'decimal',
      class: 'clinical',
      calc: 'round([WEIGHT] / ([HEIGHT] / 100) ^ 2, 1)',
    },
  ],
};

for (const dialect of DIALECTS) {
  describe(`hostile client: form logic is enforced by the server (${dialect})`, () => {
    it('ASVS 2.2.1 / 21 CFR 11.10(h): a hidden value, a forged calculation and diastolic above systolic are refused', async () =>
      DbaStore.with(dialect, async (s) => {
        expectOk(await s.vault.forms.defineForm(CLI_ACTOR, s.study.id, LIFESTYLE));
        expectOk(await s.vault.forms.publish(CLI_ACTOR, s.study.id, 'LIFESTYLE'));
        const coordinator = await s.person('coordinator', 'S01');
        const p = await s.participant('S01');
        const post = (form: string, values: object) =>
          s.as(coordinator, 'POST', '/api/v1/records', { participantId: p.id, form, visit: 'WEEK4', values });

        const vitals = await post('VITALS', { SYSBP: 120, DIABP: 140 });
        expect(vitals.status).toBe(400);
        expect(vitals.body.error.code).toBe('VALIDATION_FAILED');
        expect(vitals.body.error.message).toContain(
          'Check DIABP_BELOW_SYSBP: Diastolic pressure must be below systolic pressure (DIABP, SYSBP).',
        );

        const hidden = await post('LIFESTYLE', { SMOKER: false, CIGS: 20 });
        expect(hidden.status).toBe(400);
        expect(hidden.body.error.details.fields).toEqual({
          CIGS: 'is hidden by its show condition and must be left empty',
        });

        const forged = await post('LIFESTYLE', { SMOKER: false, WEIGHT: 81, HEIGHT: 180, BMI: 19.5 });
        expect(forged.status).toBe(400);
        expect(forged.body.error.details.fields).toEqual({
          BMI: 'is calculated by the server; the value sent differs from the calculation',
        });

        // Nothing stored: the participant still has only its demographics and randomization records.
        expect(await s.vault.store.db.selectFrom('records').select('id').execute()).toHaveLength(2);

        // The honest client: the server computes BMI; an update recomputes it, and a forged one is refused.
        const ok = await post('LIFESTYLE', { SMOKER: true, CIGS: 5, WEIGHT: 81, HEIGHT: 180 });
        expect(ok.status).toBe(201);
        expect(ok.body.values).toMatchObject({ BMI: 25 });
        const change = (changes: object) =>
          s.as(coordinator, 'PUT', `/api/v1/records/${ok.body.id}`, { changes, reason: 'corrected height' });
        expect((await change({ HEIGHT: 170, BMI: 25 })).body.error.details.fields).toEqual({
          BMI: 'is calculated by the server; the value sent differs from the calculation',
        });
        const updated = await change({ HEIGHT: 170 });
        expect(updated.status).toBe(200);
        expect(updated.body.values).toMatchObject({ HEIGHT: 170, BMI: 28 });
        // Hiding entered data needs it cleared explicitly, never silently.
        expect((await change({ SMOKER: false })).body.error.details.fields).toEqual({
          CIGS: 'is hidden by its show condition and must be left empty',
        });
        expect((await change({ SMOKER: false, CIGS: null })).status).toBe(200);
      }));
  });
}
