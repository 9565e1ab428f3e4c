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
    const options = {
      profile: 'deidentified' as const,
      dates: 'year' as const,
      unblinded: false,
      suppress: new Set<string>(),
    };
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

  it('HIPAA 164.514(b)(2)(i)(C) Safe Harbor (`year`, the default): only years leave; a birth year that may show 90+ is aggregated', () => {
    if (demog === undefined || rand === undefined) throw new Error('demo forms');
    const options = { profile: 'deidentified' as const, unblinded: false, suppress: new Set<string>() };
    const strict = planForm(demog, { ...options, dates: 'year' });
    expect(strict.map((f) => [f.oid, f.transform, f.type])).toEqual([
      ['BIRTH_DATE', 'year', 'text'],
      ['ZIP', 'zip3', 'text'],
      ['SEX', 'none', 'choice'],
    ]);
    const [randDate] = planForm(rand, { ...options, dates: 'year' });
    expect([randDate?.transform, randDate?.type]).toEqual(['year', 'integer']);
    // Shifting is the expert-determination alternative, only when chosen.
    expect(planForm(rand, { ...options, dates: 'shift' })[0]?.transform).toBe('date-shifted');
    const birth = strict[0];
    if (birth === undefined || randDate === undefined) throw new Error('plan');
    const subject = { shiftDays: 0, birthDate: '1960-05-17', ageAt: '2026-12-02' };
    expect(transformValue(randDate, '2026-03-14', subject, undefined)).toBe(2026);
    expect(transformValue(randDate, '2026-03-14T09:30:00.000Z', subject, undefined)).toBe(2026);
    expect(transformValue(randDate, 'March 2026', subject, undefined)).toBeNull();
    expect(transformValue(birth, '1960-05-17', subject, undefined)).toBe('1960');
    // 2026 - 1936 = 90: the person may be 90 already (whatever the birthday): the year is not shown.
    const old = { ...subject, birthDate: '1936-12-31' };
    expect(transformValue(birth, '1936-12-31', old, undefined)).toBe('90+');
    expect(transformValue(birth, '1920-01-01', { ...old, birthDate: '1920-01-01' }, undefined)).toBe('90+');
    expect(transformValue(birth, '1937-01-01', { ...old, birthDate: '1937-01-01' }, undefined)).toBe('1937');
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
