import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NONCE_BYTES, open, randomKey, seal, TAG_BYTES } from './aead.js';
import { type FieldContext, openField, sealField } from './field-envelope.js';

const context: FieldContext = { studyId: 's', participantId: 'p', recordId: 'r', field: 'NAME', version: 1 };

describe('AES-256-GCM seal/open', () => {
  it('round-trips any plaintext and associated data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.uint8Array({ maxLength: 64 }), (plaintext, aad) => {
        const key = randomKey();
        expect(open(key, seal(key, plaintext, aad), aad)).toEqual(Buffer.from(plaintext));
      }),
    );
  });

  it('ASVS 11.3.2: uses a fresh nonce for every message', () => {
    const key = randomKey();
    const a = seal(key, Buffer.from('same'), Buffer.alloc(0));
    const b = seal(key, Buffer.from('same'), Buffer.alloc(0));
    expect(a.subarray(0, NONCE_BYTES).equals(b.subarray(0, NONCE_BYTES))).toBe(false);
    expect(a.length).toBe(NONCE_BYTES + 4 + TAG_BYTES);
  });

  it('ASVS 11.3.3: rejects any single flipped bit (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 128 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (pt, pos, bit) => {
          const key = randomKey();
          const sealed = seal(key, pt, Buffer.from('aad'));
          const index = pos % sealed.length;
          sealed[index] = (sealed[index] ?? 0) ^ (1 << bit);
          expect(open(key, sealed, Buffer.from('aad'))).toBeNull();
        },
      ),
    );
  });

  it('rejects another key, other associated data and truncation', () => {
    const key = randomKey();
    const sealed = seal(key, Buffer.from('value'), Buffer.from('a'));
    expect(open(randomKey(), sealed, Buffer.from('a'))).toBeNull();
    expect(open(key, sealed, Buffer.from('b'))).toBeNull();
    expect(open(key, sealed.subarray(0, 20), Buffer.from('a'))).toBeNull();
    expect(open(key, Buffer.alloc(0), Buffer.from('a'))).toBeNull();
  });
});

describe('field envelope', () => {
  it('round-trips under the context it was sealed for', () => {
    const key = randomKey();
    const envelope = sealField(key, 3, context, Buffer.from('"Jane"'));
    expect(envelope[0]).toBe(1);
    expect(envelope.readUInt32BE(1)).toBe(3);
    expect(openField(key, context, envelope)?.toString()).toBe('"Jane"');
  });

  it('21 CFR 11.10(a): a ciphertext moved to another study, participant, record, field or version fails', () => {
    const key = randomKey();
    const envelope = sealField(key, 1, context, Buffer.from('"Jane"'));
    for (const moved of [
      { ...context, studyId: 's2' },
      { ...context, participantId: 'p2' },
      { ...context, recordId: 'r2' },
      { ...context, field: 'EMAIL' },
      { ...context, version: 2 },
    ]) {
      expect(openField(key, moved, envelope)).toBeNull();
    }
  });

  it('binds the key version in the header: changing it fails', () => {
    const key = randomKey();
    const envelope = sealField(key, 1, context, Buffer.from('"x"'));
    envelope.writeUInt32BE(2, 1);
    expect(openField(key, context, envelope)).toBeNull();
  });

  it('length-prefixed associated data: shifting text between parts does not collide', () => {
    const key = randomKey();
    const envelope = sealField(key, 1, { ...context, recordId: 'ab', field: 'C' }, Buffer.from('1'));
    expect(openField(key, { ...context, recordId: 'a', field: 'bC' }, envelope)).toBeNull();
  });

  it('rejects garbage of any shape without throwing (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(openField(randomKey(), context, bytes)).toBeNull();
      }),
    );
  });
});
