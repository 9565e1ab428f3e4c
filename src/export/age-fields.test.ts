import { describe, expect, it } from 'vitest';
import type { FieldDefinition } from '../forms/form-definition.js';
import { isAgeField } from './field-plan.js';

const field = (oid: string, extra: Partial<FieldDefinition> = {}) =>
  ({ oid, label: oid, type: 'decimal', class: 'quasi', ...extra }) as FieldDefinition;

describe('review F6: ages over 89 are top-coded whatever the OID spelling', () => {
  it.each([
    field('AGE'),
    field('AGE_YRS', { class: 'clinical' }),
    field('AGEDEC'),
    field('PATIENTAGE'),
    field('YRS', { unit: 'a' }),
    field('YRS', { unit: 'years' }),
    field('X1', { label: 'Age at consent' }),
  ])('top-codes %j', (f) => expect(isAgeField(f)).toBe(true));
  it.each([
    field('AGE', { type: 'text' }),
    field('WEIGHT', { unit: 'kg' }),
    field('DOSAGE', { class: 'clinical' }),
    field('GESTATION', { class: 'clinical', label: 'Gestational age', unit: 'd' }),
  ])('leaves %j', (f) => expect(isAgeField(f)).toBe(false));
});
