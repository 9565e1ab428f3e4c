import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CborValue, decodeStrict, encode, Tagged } from './cbor.js';

const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex');

/** Values the encoder can produce: every decode of their encoding must give them back. */
const cborValue: fc.Arbitrary<CborValue> = fc.letrec<{ value: CborValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true }),
    fc.string(),
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom<CborValue>(true, false, null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc
      .array(
        fc.tuple(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.string({ maxLength: 8 })), tie('value')),
        {
          maxLength: 5,
        },
      )
      .map((entries) => new Map(entries)),
    fc.tuple(fc.integer({ min: 0, max: 2 ** 32 }), tie('value')).map(([tag, v]) => new Tagged(tag, v)),
  ),
})).value;

describe('strict CBOR', () => {
  it('decodes what the deterministic encoder writes, exactly (property)', () => {
    fc.assert(
      fc.property(cborValue, (value) => {
        const decoded = decodeStrict(encode(value));
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect(decoded.value).toEqual(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes RFC 8949 appendix A examples in their deterministic form', () => {
    const cases: [CborValue, string][] = [
      [0, '00'],
      [23, '17'],
      [24, '1818'],
      [1000000, '1a000f4240'],
      [-1000, '3903e7'],
      [1.5, 'f93e00'],
      [100000.0, '1a000186a0'],
      [3.4028234663852886e38, 'fa7f7fffff'],
      [1.1, 'fb3ff199999999999a'],
      ['IETF', '6449455446'],
      [[1, [2, 3]], '8201820203'],
      [
        new Map<number | string, CborValue>([
          ['b', 1],
          ['a', 2],
        ]),
        'a2616102616201',
      ],
    ];
    for (const [value, expected] of cases) expect(Buffer.from(encode(value)).toString('hex')).toBe(expected);
  });

  it('refuses every non-deterministic or ambiguous encoding with its reason', () => {
    const refused: [string, string][] = [
      ['9f0102ff', 'indefinite-length'],
      ['5f4101ff', 'indefinite-length'],
      ['1817', 'non-canonical-length'],
      ['190017', 'non-canonical-length'],
      ['1a000000ff', 'non-canonical-length'],
      ['1b00000000ffffffff', 'non-canonical-length'],
      ['1b0020000000000000', 'integer-too-large'],
      ['a201010102', 'duplicate-key'],
      ['a202000100', 'unsorted-keys'],
      ['a1f600', 'unsupported-key'],
      ['fa3f800000', 'non-canonical-float'],
      ['fb3ff8000000000000', 'non-canonical-float'],
      ['f97e01', 'non-canonical-float'],
      ['62c328', 'invalid-utf8'],
      ['0100', 'trailing-bytes'],
      ['83 01 02', 'truncated'],
      ['5a ffffffff 00', 'truncated'],
      ['1c', 'reserved-value'],
      ['f7', 'unsupported-simple'],
      ['f820', 'unsupported-simple'],
      ['8181818181818181818181818181818181818100', 'too-deep'],
    ];
    for (const [bytes, reason] of refused) {
      const decoded = decodeStrict(hex(bytes));
      expect(decoded.ok ? 'accepted' : decoded.reason, bytes).toBe(reason);
    }
  });

  it('answers 100,000 random inputs with a value or a reason, never an exception (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const decoded = decodeStrict(bytes);
        expect(typeof decoded.ok).toBe('boolean');
      }),
      { numRuns: 100_000 },
    );
  });
});
