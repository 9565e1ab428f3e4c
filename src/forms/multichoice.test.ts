import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFormDefinition } from './form-definition.js';
import { evaluate, type LogicValue } from './logic/evaluate.js';
import { parseExpression } from './logic/parser.js';
import { isSyntaxError } from './logic/syntax-error.js';
import { validateValues } from './validate-values.js';

const CHOICES = [
  { code: 'HEADACHE', label: 'Headache' },
  { code: 'NAUSEA', label: 'Nausea' },
  { code: 'FATIGUE', label: 'Fatigue' },
];
const symptoms = {
  oid: 'SYMPTOMS',
  label: 'Symptoms',
  type: 'multichoice',
  class: 'clinical',
  choices: CHOICES,
};
const formOf = (fields: unknown[], checks?: unknown[]) => ({
  oid: 'AE',
  name: 'Symptoms',
  fields,
  ...(checks === undefined ? {} : { checks }),
});
function definition(fields: unknown[], checks?: unknown[]) {
  const parsed = parseFormDefinition(formOf(fields, checks));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.details));
  return parsed.value;
}
const problems = (input: unknown): string =>
  ((r) => (r.ok ? '' : JSON.stringify(r.error.details)))(parseFormDefinition(input));
const fieldErrors = (form: ReturnType<typeof definition>, values: Record<string, unknown>) => {
  const r = validateValues(form, values);
  return r.ok ? r.value : (r.error.details?.fields as Record<string, string>);
};

describe('multichoice definitions (issue #15 item 2)', () => {
  it('needs choices, unique codes, and codes without ","', () => {
    expect(problems(formOf([{ ...symptoms, choices: undefined }]))).toContain(
      'multichoice field SYMPTOMS needs choices',
    );
    const dup = [...CHOICES, { code: 'NAUSEA', label: 'again' }];
    expect(problems(formOf([{ ...symptoms, choices: dup }]))).toContain('duplicate choice code \\"NAUSEA');
    expect(problems(formOf([{ ...symptoms, choices: [{ code: 'A,B', label: 'x' }] }]))).toContain(
      'may not contain \\",\\"',
    );
    expect(problems(formOf([{ ...symptoms, choices: [{ code: 'UNKNOWN', label: 'x' }] }]))).toContain(
      'reserved missing-data code',
    );
    expect(problems(formOf([symptoms]))).toBe('');
  });
});

describe('multichoice values', () => {
  const form = definition([{ ...symptoms, required: true }]);

  it('answers the ticked codes in canonical order', () => {
    expect(fieldErrors(form, { SYMPTOMS: ['NAUSEA', 'FATIGUE'] })).toEqual({
      SYMPTOMS: ['FATIGUE', 'NAUSEA'],
    });
    expect(fieldErrors(form, { SYMPTOMS: 'NAUSEA,HEADACHE' })).toEqual({ SYMPTOMS: ['HEADACHE', 'NAUSEA'] });
    expect(fieldErrors(form, { SYMPTOMS: 'NAUSEA' })).toEqual({ SYMPTOMS: ['NAUSEA'] });
  });

  it('refuses undeclared codes, a code twice, and what is not a list; empty is blank (required)', () => {
    expect(fieldErrors(form, { SYMPTOMS: ['NAUSEA', 'COUGH'] })).toEqual({
      SYMPTOMS: 'must be a list of the listed choices',
    });
    expect(fieldErrors(form, { SYMPTOMS: ['NAUSEA', 'NAUSEA'] })).toEqual({
      SYMPTOMS: 'must not list a choice twice',
    });
    expect(fieldErrors(form, { SYMPTOMS: true })).toEqual({
      SYMPTOMS: 'must be a list of the listed choices',
    });
    expect(fieldErrors(form, { SYMPTOMS: [['NAUSEA']] })).toEqual({
      SYMPTOMS: 'must be a list of the listed choices',
    });
    expect(fieldErrors(form, { SYMPTOMS: [] })).toEqual({ SYMPTOMS: 'is required' });
    expect(fieldErrors(form, {})).toEqual({ SYMPTOMS: 'is required' });
  });

  it('takes a missing-data code for the whole field', () => {
    expect(fieldErrors(form, { SYMPTOMS: 'NOT_DONE' })).toEqual({ SYMPTOMS: 'NOT_DONE' });
    expect(fieldErrors(form, { SYMPTOMS: ['NOT_DONE'] })).toEqual({
      SYMPTOMS: 'must be a list of the listed choices',
    });
  });

  it('is the same set whatever order and form it is sent in (property)', () => {
    const codes = CHOICES.map((c) => c.code);
    fc.assert(
      fc.property(fc.shuffledSubarray(codes, { minLength: 1 }), (picked) => {
        const a = validateValues(form, { SYMPTOMS: picked });
        const b = validateValues(form, { SYMPTOMS: [...picked].reverse().join(',') });
        expect(a).toEqual(b);
        expect(a.ok && a.value.SYMPTOMS).toEqual([...picked].sort());
      }),
    );
  });
});

describe('checked() in the logic language', () => {
  const run = (source: string, x: LogicValue) => {
    const expr = parseExpression(source);
    if (isSyntaxError(expr)) throw new Error(expr.message);
    const r = evaluate(expr, (oid) => (oid === 'X' ? x : undefined));
    return r.ok ? r.value : `error:${r.error.code}`;
  };

  it('tests a ticked box, blank as unticked, a missing code as blank', () => {
    expect(run('checked([X], "NAUSEA")', ['HEADACHE', 'NAUSEA'])).toBe(true);
    expect(run('checked([X], "FATIGUE")', ['HEADACHE', 'NAUSEA'])).toBe(false);
    expect(run('checked([X], "FATIGUE")', null)).toBe(false);
    expect(run('checked([X], "FATIGUE")', { missing: 'NOT_DONE' })).toBe(null);
    expect(run('checked([X], 2)', ['1', '2'])).toBe(true);
    expect(run('checked([X], "2")', '2')).toBe(true);
    expect(run('checked([X], true)', ['1'])).toBe('error:TYPE');
    expect(run('not checked([x], "A")', ['A'])).toBe(false);
  });

  it('compares lists as sets and refuses them in arithmetic', () => {
    expect(run('[X] = ""', ['A'])).toBe(false);
    expect(run('isblank([X])', ['A'])).toBe(false);
    expect(run('ismissingcode([X])', ['A'])).toBe(false);
    expect(run('[X] = "A"', ['A'])).toBe(false);
    expect(run('[X] + 1', ['A'])).toBe('error:TYPE');
    expect(run('[X] > 1', ['A'])).toBe('error:TYPE');
    expect(run('if([X], 1, 2)', ['A'])).toBe('error:TYPE');
  });

  it('drives show conditions and checks on the server', () => {
    const form = definition(
      [
        symptoms,
        {
          oid: 'OTHER',
          label: 'Other',
          type: 'text',
          class: 'clinical',
          show: 'checked([SYMPTOMS], "FATIGUE")',
        },
      ],
      [
        {
          id: 'NOT_BOTH',
          expr: 'not (checked([SYMPTOMS], "HEADACHE") and checked([SYMPTOMS], "NAUSEA"))',
          message: 'Not both',
        },
      ],
    );
    expect(fieldErrors(form, { SYMPTOMS: ['HEADACHE'], OTHER: 'x' })).toEqual({
      OTHER: 'is hidden by its show condition and must be left empty',
    });
    expect(fieldErrors(form, { SYMPTOMS: ['FATIGUE'], OTHER: 'x' })).toEqual({
      SYMPTOMS: ['FATIGUE'],
      OTHER: 'x',
    });
    expect(fieldErrors(form, { SYMPTOMS: ['HEADACHE', 'NAUSEA'] })).toEqual({
      SYMPTOMS: 'Check NOT_BOTH: Not both',
    });
  });

  it('docs/logic.md#rules: checked() on a protected multichoice field is refused (logic reads only clinical fields)', () => {
    const sealed = { ...symptoms, class: 'quasi' };
    const bad = formOf([
      sealed,
      { oid: 'N', label: 'N', type: 'text', class: 'clinical', show: 'checked([SYMPTOMS], "NAUSEA")' },
    ]);
    expect(problems(bad)).toContain(
      '[SYMPTOMS] is of class quasi; expressions may name only clinical fields',
    );
  });

  it('refuses at definition time a literal code the field does not declare', () => {
    const bad = formOf([
      symptoms,
      { oid: 'N', label: 'N', type: 'text', class: 'clinical', show: 'checked([SYMPTOMS], "COUGH")' },
    ]);
    expect(problems(bad)).toContain('\\"COUGH\\" is not a choice of [SYMPTOMS]');
  });
});
