import { describe, expect, it } from 'vitest';
import { parseFormDefinition } from './form-definition.js';
import { validateValues } from './validate-values.js';

const parsed = parseFormDefinition({
  oid: 'VITALS',
  name: 'Vitals',
  fields: [
    {
      oid: 'SYSBP',
      label: 'Systolic',
      type: 'integer',
      class: 'clinical',
      min: 60,
      max: 260,
      required: true,
    },
    {
      oid: 'DIABP',
      label: 'Diastolic',
      type: 'integer',
      class: 'clinical',
      min: 30,
      max: 200,
      required: true,
    },
    { oid: 'SMOKER', label: 'Smoker', type: 'boolean', class: 'clinical' },
    {
      oid: 'CIGS',
      label: 'Cigarettes',
      type: 'integer',
      class: 'clinical',
      required: true,
      show: '[SMOKER] = true',
    },
    { oid: 'WEIGHT', label: 'Weight', type: 'decimal', class: 'clinical' },
    { oid: 'HEIGHT', label: 'Height', type: 'decimal', class: 'clinical', min: 50 },
    {
      oid: 'BMI',
      label: 'BMI',
      type: 'decimal',
      class: 'clinical',
      calc: 'round([WEIGHT] / ([HEIGHT] / 100) ^ 2, 1)',
    },
  ],
  checks: [{ id: 'DIA_BELOW_SYS', expr: '[DIABP] < [SYSBP]', message: 'Diastolic must be below systolic' }],
});
if (!parsed.ok) throw new Error('fixture');
const form = parsed.value;
const problems = (input: Record<string, unknown>) => {
  const r = validateValues(form, input);
  return r.ok
    ? r.value
    : { message: r.error.message, fields: (r.error.details as { fields: object }).fields };
};

describe('server enforcement of form logic (docs/logic.md)', () => {
  it('computes the calculated field and accepts consistent values', () => {
    expect(problems({ SYSBP: 120, DIABP: 80, SMOKER: false, WEIGHT: 81, HEIGHT: 180 })).toEqual({
      SYSBP: 120,
      DIABP: 80,
      SMOKER: false,
      WEIGHT: 81,
      HEIGHT: 180,
      BMI: 25,
    });
  });

  it('refuses diastolic above systolic with the check message naming the fields', () => {
    expect(problems({ SYSBP: 120, DIABP: 140 })).toEqual({
      message:
        'The values are invalid: DIABP, SYSBP. Check DIA_BELOW_SYS: Diastolic must be below systolic (DIABP, SYSBP).',
      fields: {
        DIABP: 'Check DIA_BELOW_SYS: Diastolic must be below systolic',
        SYSBP: 'Check DIA_BELOW_SYS: Diastolic must be below systolic',
      },
    });
  });

  it('refuses a value in a hidden field, and does not require it', () => {
    expect(problems({ SYSBP: 120, DIABP: 80, SMOKER: false, CIGS: 10 })).toMatchObject({
      fields: { CIGS: 'is hidden by its show condition and must be left empty' },
    });
    expect(problems({ SYSBP: 120, DIABP: 80, SMOKER: true })).toMatchObject({
      fields: { CIGS: 'is required' },
    });
    expect(problems({ SYSBP: 120, DIABP: 80, SMOKER: true, CIGS: 10 })).toMatchObject({ CIGS: 10 });
  });

  it('refuses a forged calculated value, accepts the computed one', () => {
    expect(problems({ SYSBP: 120, DIABP: 80, WEIGHT: 81, HEIGHT: 180, BMI: 19 })).toMatchObject({
      fields: { BMI: 'is calculated by the server; the value sent differs from the calculation' },
    });
    expect(problems({ SYSBP: 120, DIABP: 80, WEIGHT: 81, HEIGHT: 180, BMI: 25 })).toMatchObject({ BMI: 25 });
    expect(problems({ SYSBP: 120, DIABP: 80, BMI: 25 })).toMatchObject({
      fields: { BMI: expect.stringMatching(/^is calculated/) },
    });
  });

  it('accepts missing-data codes in place of values, also for required fields', () => {
    expect(problems({ SYSBP: 'NOT_DONE', DIABP: 'UNKNOWN' })).toEqual({
      SYSBP: 'NOT_DONE',
      DIABP: 'UNKNOWN',
    });
    expect(problems({ SYSBP: 120, DIABP: 80, SMOKER: 'UNKNOWN' })).toMatchObject({ SMOKER: 'UNKNOWN' });
  });
});
