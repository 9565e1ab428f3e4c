import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalCodes, type FieldValue } from '../core/field-value.js';
import { sealField } from '../crypto/field-envelope.js';
import { decodeValue, encodeValue, openValue, sealValue } from './field-cipher.js';

const key = { key: randomBytes(32), version: 1 };
const place = { studyId: 'S', participantId: 'P', recordId: 'R', field: 'SYMPTOMS', version: 1 };
const codes = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 12 });
const value: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.string(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
  fc.boolean(),
  codes,
);

describe('field cipher: multichoice values (issue #15 item 2)', () => {
  it('round-trips every value; a list comes back in canonical order', () => {
    fc.assert(
      fc.property(value, (v) => {
        const opened = openValue(key, place, sealValue(key, place, v));
        expect(opened).toEqual({ ok: true, value: Array.isArray(v) ? canonicalCodes(v) : v });
      }),
      { numRuns: 500 },
    );
  });

  it('encodes one set of codes as one plaintext, whatever the order', () => {
    fc.assert(
      fc.property(
        codes.chain((c) => fc.tuple(fc.constant(c), fc.shuffledSubarray(c, { minLength: c.length }))),
        ([a, b]) => {
          expect(encodeValue(a).equals(encodeValue(b))).toBe(true);
          expect(decodeValue(encodeValue(a))).toEqual(canonicalCodes(a));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('docs/encryption.md: an authenticated plaintext that is not a canonical list is an INTEGRITY_ERROR, never a value', () => {
    for (const bad of ['["B","A"]', '["A","A"]', '[]', '[1]', '[["A"]]', '{"a":1}', 'null']) {
      const envelope = sealField(key.key, key.version, place, Buffer.from(bad)).toString('base64');
      const opened = openValue(key, place, envelope);
      expect(opened.ok ? 'opened' : opened.error.code).toBe('INTEGRITY_ERROR');
    }
  });

  it('docs/encryption.md (associated data): a sealed list moved to another field fails its integrity check', () => {
    const envelope = sealValue(key, place, ['A', 'B']);
    const moved = openValue(key, { ...place, field: 'OTHER' }, envelope);
    expect(moved.ok ? 'opened' : moved.error.code).toBe('INTEGRITY_ERROR');
  });
});
