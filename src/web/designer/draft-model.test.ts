import { describe, expect, it } from 'vitest';
import { parseFormDefinition } from '../../forms/form-definition.js';
import { classWarning, suggestedClass } from './data-class-guide.js';
import {
  emptyField,
  type FieldDraft,
  fieldIssues,
  formDraft,
  moved,
  oidFromLabel,
  toDefinition,
} from './draft-model.js';

const vitals = {
  oid: 'VITALS',
  name: 'Vital signs',
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
    { oid: 'EMAIL', label: 'E-mail', type: 'text', class: 'identifier', lookup: 'email', maxLength: 200 },
    {
      oid: 'ARM',
      label: 'Arm',
      type: 'choice',
      class: 'allocation',
      choices: [
        { code: 'A', label: 'Active' },
        { code: 'P', label: 'Placebo' },
      ],
    },
  ],
} as const;

describe('the designer draft', () => {
  it('round-trips a definition, keeping keys it does not edit (lookup, maxLength)', () => {
    const definition = toDefinition(formDraft(structuredClone(vitals) as never));
    expect(definition).toEqual(vitals);
    expect(parseFormDefinition(definition).ok).toBe(true);
  });

  it('GDPR Art. 32: never fills in a data class; a field without one cannot be saved', () => {
    const draft = formDraft(structuredClone(vitals) as never);
    const blank = { ...emptyField(['FIELD_1']), label: 'Weight', type: 'decimal' as const };
    expect(blank.class).toBe('');
    expect(fieldIssues(blank, [blank]).class).toMatch(/data class/);
    expect(toDefinition({ ...draft, fields: [...draft.fields, blank] })).toBeNull();
  });

  it('refuses duplicate choice codes next to the second one, and min above max', () => {
    const field: FieldDraft = {
      ...emptyField([]),
      label: 'Arm',
      type: 'choice',
      class: 'allocation',
      choices: [
        { key: 'a', code: 'A', label: 'Active' },
        { key: 'b', code: 'A', label: 'Placebo' },
      ],
    };
    expect(fieldIssues(field, [field]).choice).toEqual({ b: 'Code A is already used above.' });
    const range = { ...field, type: 'integer' as const, choices: [], min: '10', max: '5' };
    expect(fieldIssues(range, [range]).max).toMatch(/below the minimum/);
  });

  it('refuses a duplicate OID and an invalid pattern', () => {
    const a = { ...emptyField([]), oid: 'X', label: 'x', type: 'text' as const, class: 'clinical' as const };
    const b = { ...a, key: 'other', pattern: '(' };
    expect(fieldIssues(b, [a, b]).oid).toMatch(/already X/);
    expect(fieldIssues(b, [a, b]).pattern).toMatch(/regular expression/);
  });

  it('makes OIDs from labels and moves items', () => {
    expect(oidFromLabel('Systolic blood pressure (mmHg)')).toBe('SYSTOLIC_BLOOD_PRESSURE_MMHG');
    expect(oidFromLabel('1st visit')).toBe('F_1ST_VISIT');
    expect(moved(['a', 'b', 'c'], 0, 2)).toEqual(['b', 'c', 'a']);
    expect(moved(['a', 'b'], 0, 5)).toEqual(['a', 'b']);
  });
});

describe('data class guidance', () => {
  it('HIPAA 164.514: warns when an identifier-looking field is marked clinical', () => {
    expect(suggestedClass('Full name', 'FULL_NAME')?.class).toBe('identifier');
    expect(suggestedClass('', 'DATE_OF_BIRTH')?.class).toBe('quasi');
    expect(classWarning('Patient e-mail', 'EMAIL', 'clinical')).toMatch(/Identifier/);
    expect(classWarning('Patient e-mail', 'EMAIL', 'identifier')).toBeNull();
    expect(classWarning('Heart rate', 'HR', 'clinical')).toBeNull();
    expect(classWarning('Randomisation arm', 'ARM', '')).toMatch(/Allocation/);
  });
});

describe('multichoice in the designer (issue #15 item 2)', () => {
  it('keeps its choices, asks for at least one, and refuses a comma in a code', () => {
    const base: FieldDraft = { ...emptyField([]), label: 'Symptoms', type: 'multichoice', class: 'clinical' };
    expect(fieldIssues(base, [base]).choices).toBe('Add at least one choice.');
    const choices = [
      { key: 'a', code: 'FEVER', label: 'Fever' },
      { key: 'b', code: 'A,B', label: 'Both' },
    ];
    const field: FieldDraft = { ...base, choices };
    expect(fieldIssues(field, [field]).choice).toEqual({
      b: 'A multiple-choice code may not contain a comma.',
    });
    const definition = toDefinition({
      ...formDraft(structuredClone(vitals) as never),
      fields: [{ ...field, choices: [choices[0] as (typeof choices)[0]] }],
    });
    expect(definition?.fields[0]).toEqual({
      oid: 'FIELD_1',
      label: 'Symptoms',
      type: 'multichoice',
      class: 'clinical',
      choices: [{ code: 'FEVER', label: 'Fever' }],
    });
    expect(parseFormDefinition(definition).ok).toBe(true);
  });
});
