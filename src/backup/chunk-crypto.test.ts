import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkId, newBackupKeyPair, openChunk, sealChunk, sealChunkV1 } from './chunk-crypto.js';
import { MAX_CHUNK } from './chunker.js';

const { publicKey, privateKey } = newBackupKeyPair();
const idKey = randomBytes(32);

describe('backup chunk envelope', () => {
  it('opens what it sealed, in the current (Brotli) and the older (deflate) format', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (plain) => {
        const id = chunkId(idKey, plain);
        for (const seal of [sealChunk, sealChunkV1]) {
          const opened = openChunk(privateKey, id, seal(publicKey, id, plain));
          expect(opened === null ? null : Buffer.from(opened).equals(Buffer.from(plain))).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
    const sealed = sealChunk(publicKey, 'x', Buffer.from('hello'));
    expect(sealed.subarray(0, 4).toString()).toBe('TVC2');
  });

  it('ICH E6(R3) 4.3.3 / 21 CFR 11.10(c): any changed byte, another id or another key is refused', () => {
    const plain = Buffer.from(JSON.stringify({ record: 'S01-0001', values: { HR: 72 } }).repeat(50));
    const id = chunkId(idKey, plain);
    const sealed = sealChunk(publicKey, id, plain);
    fc.assert(
      fc.property(fc.nat({ max: sealed.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const altered = Buffer.from(sealed);
        altered[at] = (altered[at] as number) ^ flip;
        expect(openChunk(privateKey, id, altered)).toBeNull();
      }),
      { numRuns: 500 },
    );
    // The format tag is bound: relabelled as the older format, the chunk does not open.
    const relabelled = Buffer.from(sealed);
    relabelled.write('TVC1', 0);
    expect(openChunk(privateKey, id, relabelled)).toBeNull();
    expect(openChunk(privateKey, chunkId(idKey, Buffer.from('other')), sealed)).toBeNull();
    expect(openChunk(newBackupKeyPair().privateKey, id, sealed)).toBeNull();
    expect(openChunk(privateKey, id, sealed.subarray(0, 40))).toBeNull();
  });

  it('a chunk that would open to more than the largest chunk is refused, not inflated (ASVS 5.2.3)', () => {
    // Sealing is the server's side and does not check; opening must, whatever a target holds.
    const bomb = Buffer.alloc(MAX_CHUNK * 4);
    for (const seal of [sealChunk, sealChunkV1]) {
      const sealed = seal(publicKey, 'bomb', bomb);
      expect(sealed.length).toBeLessThan(64 * 1024);
      expect(openChunk(privateKey, 'bomb', sealed)).toBeNull();
    }
    const largest = randomBytes(MAX_CHUNK);
    expect(openChunk(privateKey, 'max', sealChunk(publicKey, 'max', largest))?.equals(largest)).toBe(true);
  });
});
