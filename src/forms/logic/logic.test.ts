import { describe, expect, it } from 'vitest';
import { parseFormDefinition } from '../form-definition.js';
import { evaluate, type LogicValue } from './evaluate.js';
import { applyFormLogic, checkFormLogic } from './form-logic.js';
import { parseExpression } from './parser.js';
import { isSyntaxError } from './syntax-error.js';

function run(source: string, values: Record<string, LogicValue> = {}) {
  const expr = parseExpression(source);
  if (isSyntaxError(expr)) throw new Error(expr.message);
  return evaluate(expr, (oid) => (oid in values ? values[oid] : undefined));
}
const outcome = (source: string, values: Record<string, LogicValue> = {}) => {
  const r = run(source, values);
  return r.ok ? r.value : `error:${r.error.code}`;
};

describe('logic language (docs/logic.md)', () => {
  it('evaluates arithmetic, comparison and logic with the documented precedence', () => {
    expect(outcome('1 + 2 * 3')).toBe(7);
    expect(outcome('(1 + 2) * 3')).toBe(9);
    expect(outcome('-2 ^ 2')).toBe(-4);
    expect(outcome('2 ^ 3 ^ 2')).toBe(512);
    expect(outcome('not 1 = 2 and true')).toBe(true);
    expect(outcome('1 < 2 or 1 / 0 = 3')).toBe(true);
    expect(outcome('[W] / ([H] / 100) ^ 2', { W: 81, H: 180 })).toBeCloseTo(25);
    expect(outcome('round([W] / ([H] / 100) ^ 2, 1)', { W: 81, H: 180 })).toBe(25);
  });

  it('is REDCap-compatible on blanks, choice codes and yes/no', () => {
    expect(outcome('[sex] = 1', { SEX: '1' })).toBe(true);
    expect(outcome('[X] = ""', { X: null })).toBe(true);
    expect(outcome('[X] <> ""', { X: 3 })).toBe(true);
    expect(outcome('[X] > 5', { X: null })).toBe(null);
    expect(outcome('[X] + 1', { X: null })).toBe(null);
    expect(outcome('sum([A], [B], [C])', { A: '1', B: null, C: '3' })).toBe(4);
    expect(outcome('[Y] = 1', { Y: true })).toBe(true);
    expect(outcome('if([X] > 5, "high", "low")', { X: null })).toBe('low');
  });

  it('treats missing-data codes as values of their own', () => {
    const nd: LogicValue = { missing: 'NOT_DONE' };
    expect(outcome('[X] = NOT_DONE', { X: nd })).toBe(true);
    expect(outcome('[X] = UNKNOWN', { X: nd })).toBe(false);
    expect(outcome('isblank([X])', { X: nd })).toBe(false);
    expect(outcome('ismissingcode([X])', { X: nd })).toBe(true);
    expect(outcome('isblankormissingcode([X])', { X: null })).toBe(true);
    expect(outcome('[X] + 1', { X: nd })).toBe(null);
  });

  it('computes date differences and orders ISO dates', () => {
    expect(outcome('datediff("2024-01-01", "2024-03-01", "d")')).toBe(60);
    expect(outcome('round(datediff([DOB], [VISIT], "y"))', { DOB: '1980-06-15', VISIT: '2024-06-15' })).toBe(
      44,
    );
    expect(outcome('"2024-01-02" > "2023-12-31"')).toBe(true);
    expect(outcome('datediff("2024-02-30", "2024-03-01", "d")')).toBe('error:DATE');
  });

  it('gives typed errors, never exceptions', () => {
    expect(outcome('1 / 0')).toBe('error:DIVISION_BY_ZERO');
    expect(outcome('"a" + 1')).toBe('error:TYPE');
    expect(outcome('[NOPE]')).toBe('error:UNKNOWN_FIELD');
    expect(outcome('sqrt(-1)')).toBe('error:NUMERIC');
    expect(outcome('10 ^ 400')).toBe('error:NUMERIC');
  });

  it('refuses what does not parse, naming the column', () => {
    const cases: [string, string][] = [
      ['[SYSBP] >', 'unexpected end of expression at column 10'],
      ['[SYSBP] > > 3', 'unexpected ">" at column 11'],
      ['1 < 2 < 3', 'comparisons do not chain; use and at column 7'],
      ['foo(1)', 'unknown function "foo" at column 1'],
      [
        'SYSBP > 1',
        'unknown name "SYSBP" (fields are written [SYSBP]) at column 1'.replace(' [SYSBP]', ' [NAME]'),
      ],
      ['round(1, 2, 3)', 'round takes 1 to 2 arguments, not 3 at column 1'],
      ['"open', 'unterminated string at column 1'],
      ['1 # 2', 'unexpected character "#" at column 3'],
      ['(1 + 2', 'expected ")" at column 7'],
      ['[1X]', 'a field reference is [NAME] with letters, digits and _ at column 1'],
      [`${'('.repeat(60)}1${')'.repeat(60)}`, 'expression nested too deeply at column 41'],
    ];
    for (const [source, message] of cases) {
      const parsed = parseExpression(source);
      expect(isSyntaxError(parsed) ? parsed.message : 'parsed', source).toBe(message);
    }
  });
});

const vitals = {
  oid: 'VITALS',
  name: 'Vitals',
  fields: [
    { oid: 'SYSBP', label: 'Systolic', type: 'integer', class: 'clinical', min: 60, max: 260 },
    { oid: 'DIABP', label: 'Diastolic', type: 'integer', class: 'clinical', min: 30, max: 200 },
    { oid: 'SMOKER', label: 'Smoker', type: 'boolean', class: 'clinical' },
    { oid: 'CIGS', label: 'Cigarettes per day', type: 'integer', class: 'clinical', show: '[SMOKER] = true' },
    { oid: 'WEIGHT', label: 'Weight', type: 'decimal', class: 'clinical' },
    { oid: 'HEIGHT', label: 'Height', type: 'decimal', class: 'clinical' },
    {
      oid: 'BMI',
      label: 'BMI',
      type: 'decimal',
      class: 'clinical',
      calc: 'round([WEIGHT] / ([HEIGHT] / 100) ^ 2, 1)',
    },
    { oid: 'MRN', label: 'MRN', type: 'text', class: 'identifier' },
  ],
  checks: [{ id: 'DIA_BELOW_SYS', expr: '[DIABP] < [SYSBP]', message: 'Diastolic must be below systolic' }],
};

describe('form logic (definition time and application)', () => {
  it('accepts a form with branching, a calculation and a check', () => {
    expect(parseFormDefinition(vitals).ok).toBe(true);
  });

  it('refuses bad expressions at definition time, naming the field', () => {
    const bad = (patch: object) => {
      const r = parseFormDefinition({ ...vitals, ...patch });
      return r.ok ? [] : (r.error.details as { issues: { path: string; message: string }[] }).issues;
    };
    const withField = (field: object) => bad({ fields: [...vitals.fields, field] });
    expect(
      withField({ oid: 'X', label: 'X', type: 'integer', class: 'clinical', show: '[SYSBP] >' }),
    ).toEqual([
      {
        path: 'fields.8.show',
        message: 'show of X: the expression does not parse: unexpected end of expression at column 10',
      },
    ]);
    expect(
      withField({ oid: 'X', label: 'X', type: 'integer', class: 'clinical', show: '[NOPE] = 1' })[0]?.message,
    ).toBe('show of X: [NOPE] is not a field of this form');
    expect(
      withField({ oid: 'X', label: 'X', type: 'text', class: 'clinical', calc: '[MRN]' })[0]?.message,
    ).toBe('calc of X: [MRN] is of class identifier; expressions may name only clinical fields');
    expect(
      withField({ oid: 'X', label: 'X', type: 'text', class: 'quasi', calc: '[SYSBP]' })[0]?.message,
    ).toBe('calc of X: a calculated field must be clinical');
    expect(bad({ checks: [{ id: 'C', expr: '[DIABP] <', message: 'm' }] })[0]?.message).toMatch(
      /^check C: the expression does not parse/,
    );
  });

  it('refuses calculations in a cycle and choice codes that are missing-data codes', () => {
    const problems = checkFormLogic({
      fields: [
        { oid: 'A', label: 'A', type: 'integer', class: 'clinical', calc: '[B] + 1' },
        { oid: 'B', label: 'B', type: 'integer', class: 'clinical', calc: '[A] + 1' },
        {
          oid: 'C',
          label: 'C',
          type: 'choice',
          class: 'clinical',
          choices: [{ code: 'UNKNOWN', label: 'u' }],
        },
      ],
    });
    expect(problems.map((p) => p.message)).toEqual([
      'C: UNKNOWN is a reserved missing-data code',
      'calculated fields depend on each other in a cycle',
    ]);
  });

  it('computes calculations, hides fields and judges checks', () => {
    const outcome = applyFormLogic(vitals as never, {
      SYSBP: 120,
      DIABP: 140,
      SMOKER: false,
      WEIGHT: 81,
      HEIGHT: 180,
    });
    expect([...outcome.hidden]).toEqual(['CIGS']);
    expect(outcome.calcs.get('BMI')).toEqual({ value: 25 });
    expect(outcome.checks).toEqual([
      {
        id: 'DIA_BELOW_SYS',
        message: 'Diastolic must be below systolic',
        fields: ['DIABP', 'SYSBP'],
        status: 'fail',
      },
    ]);
    const blank = applyFormLogic(vitals as never, {});
    expect(blank.checks[0]?.status).toBe('pass');
    expect(blank.calcs.get('BMI')).toEqual({ value: null });
    expect([...blank.hidden]).toEqual(['CIGS']);
  });
});
