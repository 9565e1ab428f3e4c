import { describe, expect, it } from 'vitest';
import { DEMO_FORMS } from '../demo/demo-forms.js';
import { shiftDate, shiftDays } from './date-shift.js';
import { planForm, transformValue } from './field-plan.js';
import { assessRisk } from './k-anonymity.js';
import { zip3 } from './zip3.js';

const key = Buffer.alloc(32, 7);
const demog = DEMO_FORMS.find((f) => f.oid === 'DEMOG');
const rand = DEMO_FORMS.find((f) => f.oid === 'RAND');

describe('de-identification rules', () => {
  it('HIPAA 164.514(b)(2)(i)(B): ZIP to 3 digits, 000 for the restricted areas', () => {
    expect(zip3('90210')).toBe('902');
    expect(zip3('03601')).toBe('000');
    expect(zip3('89301-1234')).toBe('000');
    expect(zip3('SW1A')).toBeNull();
  });

  it('HIPAA 164.514(b)(2)(i)(C): one keyed offset per participant, never 0, equivalent offsets per recipient', () => {
    const a = shiftDays(key, 'p1', 'Sponsor');
    expect(a).toBe(shiftDays(key, 'p1', 'Sponsor'));
    expect(Math.abs(a)).toBeGreaterThanOrEqual(35);
    expect(Math.abs(a) % 7).toBe(0);
    const recipients = new Set(['A', 'B', 'C', 'D', 'E', 'F'].map((r) => shiftDays(key, 'p1', r)));
    expect(recipients.size).toBeGreaterThan(1);
    expect(shiftDate('2026-01-31', 35)).toBe('2026-03-07');
    expect(shiftDate('not a date', 35)).toBeNull();
  });

  it('HIPAA 164.514(b)(2)(i)(A)-(R): identifier and financial fields dropped; allocation only unblinded', () => {
    if (demog === undefined || rand === undefined) throw new Error('demo forms');
    const options = { profile: 'deidentified' as const, unblinded: false, suppress: new Set<string>() };
    expect(planForm(demog, options).map((f) => f.oid)).toEqual(['BIRTH_DATE', 'ZIP', 'SEX']);
    expect(planForm(rand, options).map((f) => f.oid)).toEqual(['RAND_DATE']);
    expect(planForm(rand, { ...options, unblinded: true }).map((f) => f.oid)).toEqual([
      'ARM',
      'KIT',
      'RAND_DATE',
    ]);
    expect(planForm(rand, { ...options, profile: 'identified' }).map((f) => f.oid)).toEqual(['RAND_DATE']);
    const limited = planForm(demog, { ...options, profile: 'limited' });
    expect(limited.map((f) => [f.oid, f.transform])).toEqual([
      ['BIRTH_DATE', 'none'],
      ['ZIP', 'none'],
      ['SEX', 'none'],
    ]);
  });

  it('HIPAA 164.514(b)(2)(i)(C): ages over 89 are 90+, and a birth date showing one is suppressed', () => {
    const age = {
      oid: 'AGE',
      label: 'Age',
      type: 'text' as const,
      dataClass: 'quasi' as const,
      transform: 'age-top-coded' as const,
    };
    const birth = {
      oid: 'BIRTH_DATE',
      label: 'Birth',
      type: 'date' as const,
      dataClass: 'quasi' as const,
      transform: 'date-shifted' as const,
    };
    const old = { shiftDays: -35, birthDate: '1930-01-01', ageAt: '2026-12-02' };
    expect(transformValue(age, 93, old, undefined)).toBe('90+');
    expect(transformValue(age, 89, old, undefined)).toBe(89);
    expect(transformValue(birth, '1930-01-01', old, undefined)).toBeNull();
    expect(transformValue(birth, '1960-01-01', { ...old, birthDate: '1960-01-01' }, undefined)).toBe(
      '1959-11-27',
    );
  });

  it('k-anonymity: the smallest class, and the quasi-identifier whose suppression helps most', () => {
    const tuples = [
      ['1960', 'F'],
      ['1961', 'F'],
      ['1962', 'M'],
      ['1963', 'M'],
    ];
    const report = assessRisk(['BIRTH_DATE', 'SEX'], tuples, 2);
    expect(report.k).toBe(1);
    expect(report.passed).toBe(false);
    expect(report.suggestion).toEqual({ suppress: 'BIRTH_DATE', k: 2 });
    expect(
      assessRisk(
        ['SEX'],
        tuples.map((t) => [t[1] ?? null]),
        2,
      ).passed,
    ).toBe(true);
  });
});

describe('CSV records', () => {
  it('quote as RFC 4180: csv-parse reads back every awkward cell', async () => {
    const { parse } = await import('csv-parse/sync');
    const { csvRecord } = await import('./csv-writer.js');
    const cells = ['plain', 'a,b', 'say "hi"', 'two\nlines', ' edge ', '', '90+'];
    expect(parse(csvRecord(cells))).toEqual([cells]);
  });
});
