import { describe, expect, it } from 'vitest';
import type { FormDefinition } from '../../forms/forms-view.js';
import { definitionDiff } from './definition-diff.js';

const v1: FormDefinition = {
  oid: 'VITALS',
  name: 'Vital signs',
  fields: [
    { oid: 'SYSBP', label: 'Systolic', type: 'integer', class: 'clinical', min: 60, max: 250 },
    { oid: 'DIABP', label: 'Diastolic', type: 'integer', class: 'clinical' },
    { oid: 'NOTE', label: 'Note', type: 'text', class: 'clinical' },
  ],
};

describe('the designer diff shown before publishing (21 CFR 11.10(e))', () => {
  it('names added, removed and changed fields, with old and new values', () => {
    const v2: FormDefinition = {
      ...v1,
      fields: [
        { oid: 'SYSBP', label: 'Systolic', type: 'integer', class: 'clinical', min: 60, max: 260 },
        { oid: 'DIABP', label: 'Diastolic', type: 'integer', class: 'clinical', required: true },
        { oid: 'HR', label: 'Heart rate', type: 'integer', class: 'clinical' },
      ],
      checks: [{ id: 'BP', expr: '[DIABP] < [SYSBP]', message: 'Diastolic below systolic' }],
    };
    const lines = definitionDiff(v1, v2).map((l) => l.text);
    expect(lines).toContain('SYSBP: max 250 -> 260');
    expect(lines).toContain('DIABP: required (none) -> true');
    expect(lines).toContain('HR added (integer, clinical)');
    expect(lines).toContain('NOTE removed (its values stay on the old version)');
    expect(lines).toContain('edit checks changed');
  });

  it('shows a class change, which changes encryption and blinding', () => {
    const v2 = {
      ...v1,
      fields: v1.fields.map((f) => (f.oid === 'NOTE' ? { ...f, class: 'identifier' as const } : f)),
    };
    expect(definitionDiff(v1, v2).map((l) => l.text)).toEqual(['NOTE: class "clinical" -> "identifier"']);
  });

  it('reports nothing for an unchanged form and a reorder as such', () => {
    expect(definitionDiff(v1, v1)).toEqual([]);
    const moved = { ...v1, fields: [...v1.fields].reverse() };
    expect(definitionDiff(v1, moved).map((l) => l.kind)).toEqual(['moved']);
  });
});
