import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARITHMETIC, COMPARISONS, type Expr, LOGICAL } from './ast.js';
import { evaluate, type LogicValue } from './evaluate.js';
import { FUNCTIONS } from './functions.js';
import { MISSING_CODES } from './missing-codes.js';
import { parseExpression } from './parser.js';
import { printExpression } from './printer.js';

const OIDS = ['A', 'B', 'SYSBP', 'DIABP', 'D1'];
const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true })
      .map((v): Expr => ({ k: 'num', v: v === 0 ? 0 : v })),
    fc.integer({ min: 0, max: 500 }).map((v): Expr => ({ k: 'num', v })),
    fc.string({ maxLength: 8 }).map((v): Expr => ({ k: 'str', v })),
    fc.boolean().map((v): Expr => ({ k: 'bool', v })),
    fc.constantFrom(...MISSING_CODES).map((code): Expr => ({ k: 'missing', code })),
    fc.constantFrom(...OIDS).map((oid): Expr => ({ k: 'field', oid })),
    tie('e').map((e): Expr => ({ k: 'not', e })),
    tie('e').map((e): Expr => ({ k: 'neg', e })),
    fc
      .tuple(fc.constantFrom(...COMPARISONS, ...ARITHMETIC, ...LOGICAL), tie('e'), tie('e'))
      .map(([op, l, r]): Expr => ({ k: 'bin', op, l, r })),
    fc
      .tuple(
        fc.constantFrom(...(Object.keys(FUNCTIONS) as (keyof typeof FUNCTIONS)[])),
        fc.array(tie('e'), { maxLength: 3 }),
      )
      .filter(([fn, args]) => args.length >= FUNCTIONS[fn][0] && args.length <= FUNCTIONS[fn][1])
      .map(([fn, args]): Expr => ({ k: 'call', fn, args })),
  ),
})).e;

const value: fc.Arbitrary<LogicValue> = fc.oneof(
  fc.constant(null),
  fc.double({ noNaN: false }),
  fc.integer(),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('2024-02-29', '1999-12-31T23:59:00Z', '1', '0', '2024-13-01'),
  fc.boolean(),
  fc.constantFrom(...MISSING_CODES).map((missing) => ({ missing })),
  // A multichoice answer: ticked codes (issue #15 item 2).
  fc.uniqueArray(fc.constantFrom('1', '2', 'A', 'B'), { minLength: 1 }).map((c): LogicValue => c.sort()),
);
const env = fc.record(
  Object.fromEntries(OIDS.map((o) => [o, value])) as Record<string, fc.Arbitrary<LogicValue>>,
);

describe('logic properties (issue #15 item 5)', () => {
  it('printing then parsing an AST gives the same AST', () => {
    fc.assert(
      fc.property(expr, (e) => {
        expect(parseExpression(printExpression(e))).toEqual(e);
      }),
      { numRuns: 2000 },
    );
  });

  it('evaluation is total: any AST on any values gives a value or a typed error, never an exception', () => {
    fc.assert(
      fc.property(expr, env, (e, values) => {
        const result = evaluate(e, (oid) => values[oid]);
        if (result.ok)
          expect(typeof result.value === 'number' ? Number.isFinite(result.value) : true).toBe(true);
        else expect(result.error.kind).toBe('eval');
        // Deterministic: the browser and the server see the same answer for the same values.
        expect(evaluate(e, (oid) => values[oid])).toEqual(result);
      }),
      { numRuns: 3000 },
    );
  });

  it('parsing is total: any text parses or gives a syntax error with a position', () => {
    fc.assert(
      fc.property(
        fc.string({
          maxLength: 60,
          unit: fc.constantFrom(...'[]()"\'<>=!+-*/^, 0123456789.eAXandortrue'.split('')),
        }),
        (s) => {
          const parsed = parseExpression(s);
          if ('kind' in parsed) expect(parsed.position).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('the browser and the server use this one evaluator, and nothing in src/ evaluates code', () => {
    const src = new URL('../../', import.meta.url).pathname;
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter(
      (f) => /\.tsx?$/.test(f) && !f.includes('.test.'),
    );
    const texts = files.map((f) => ({ f, text: readFileSync(`${src}${f}`, 'utf8') }));
    expect(texts.filter(({ text }) => /\bnew Function\(|[^.\w]eval\(/.test(text)).map((t) => t.f)).toEqual(
      [],
    );
    // The logic core is bundled into the web app: no node: imports.
    expect(
      texts.filter(({ f, text }) => f.startsWith('forms/logic/') && /from 'node:/.test(text)).map((t) => t.f),
    ).toEqual([]);
    // The only evaluator is forms/logic/evaluate.ts: others import it rather than re-implement it.
    expect(
      texts
        .filter(({ f, text }) => !f.startsWith('forms/logic/') && /export function evaluate\(/.test(text))
        .map((t) => t.f),
    ).toEqual([]);
  });
});
