import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomKey } from './aead.js';
import { blindIndexToken, normaliseIdentifier, studyBlindIndexKey } from './blind-index.js';

describe('blind index', () => {
  const root = randomKey();
  const key = studyBlindIndexKey(root, 'study-1');

  it('normalises e-mail case and spacing, phone punctuation, MRN case and separators', () => {
    expect(normaliseIdentifier('email', '  Jane.Doe@Example.ORG ')).toBe('jane.doe@example.org');
    expect(normaliseIdentifier('phone', '+1 (555) 010-2030')).toBe('+15550102030');
    expect(normaliseIdentifier('phone', '555 010 2030')).toBe('5550102030');
    expect(normaliseIdentifier('mrn', 'mrn-00 12')).toBe('MRN0012');
  });

  it('gives equal tokens for equal normalised values', () => {
    expect(blindIndexToken(key, 'email', 'A@B.org')).toEqual(blindIndexToken(key, 'email', ' a@b.ORG'));
  });

  it('separates kinds, studies and keys', () => {
    const t = blindIndexToken(key, 'mrn', '123');
    expect(blindIndexToken(key, 'phone', '123')).not.toEqual(t);
    expect(blindIndexToken(studyBlindIndexKey(root, 'study-2'), 'mrn', '123')).not.toEqual(t);
    expect(blindIndexToken(studyBlindIndexKey(randomKey(), 'study-1'), 'mrn', '123')).not.toEqual(t);
  });

  it('ASVS 11.2.3: the token never contains the value (property)', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        const token = blindIndexToken(key, 'email', email);
        expect(token.length).toBe(32);
        expect(token.toString('latin1').includes(email)).toBe(false);
      }),
    );
  });
});
