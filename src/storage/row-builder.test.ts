import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rowBuilder } from './row-builder.js';

/** The plain construction it replaces: keyed stores, a later column of the same name winning. */
function reference(columns: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    Object.defineProperty(row, columns[i] as string, {
      value: values[i],
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return row;
}

const name = fc.oneof(
  fc.string(),
  fc.constantFrom('__proto__', 'constructor', 'toString', "a'b", 'a"b', 'a\\b', '\u2028', 'v', '0', 'id'),
);

describe('rowBuilder', () => {
  it('builds the same own properties, in the same order, as keyed construction (property)', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 60 }), (columns) => {
        const values = columns.map((_, i) => (i % 3 === 0 ? i : i % 3 === 1 ? `s${i}` : null));
        const built = rowBuilder(columns)(values);
        const expected = reference(columns, values);
        expect(Object.keys(built)).toEqual(Object.keys(expected));
        for (const key of Object.keys(expected)) expect(built[key]).toBe(expected[key]);
        expect(Object.getPrototypeOf(built)).toBe(Object.prototype);
      }),
      { numRuns: 500 },
    );
  });

  it('never runs a column name as code: names are data in the literal', () => {
    const columns = ['x}; globalThis.__tv_pwned = 1; ({', '"); globalThis.__tv_pwned = 1; ("'];
    const row = rowBuilder(columns)([1, 2]);
    expect((globalThis as Record<string, unknown>).__tv_pwned).toBeUndefined();
    expect(Object.values(row)).toEqual([1, 2]);
  });
});
