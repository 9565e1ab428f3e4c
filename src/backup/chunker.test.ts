import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkStream, chunks, MAX_CHUNK, MIN_CHUNK } from './chunker.js';

/** Pseudo-random but fixed bytes (an AES-CTR keystream): the same chunks on every run. */
function noise(length: number, seed: number): Buffer {
  const key = Buffer.alloc(32, seed);
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

// Random stretches (cut by content) and constant runs (cut at the largest size) in one snapshot.
const snapshot = Buffer.concat([
  noise(1_500_000, 1),
  Buffer.alloc(2_300_000, 7),
  noise(900_000, 2),
  Buffer.alloc(MAX_CHUNK, 1),
  noise(70_001, 3),
]);
const whole = [...chunks(snapshot)].map((c) => Buffer.from(c).toString('base64'));

describe('content-defined chunking', () => {
  it('cuts between the smallest and the largest size and loses no byte', () => {
    const sizes = [...chunks(snapshot)].map((c) => c.length);
    expect(sizes.slice(0, -1).every((n) => n >= MIN_CHUNK && n <= MAX_CHUNK)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(snapshot.length);
    expect(sizes.length).toBeGreaterThan(10);
  });

  it('cuts a stream read in blocks of any sizes exactly where it cuts the whole', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: snapshot.length - 1 }), { maxLength: 40 }),
        (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), snapshot.length];
          // Each block is a copy that is overwritten once consumed, as a reused read buffer would be.
          const blocks = function* () {
            for (let i = 0; i + 1 < points.length; i++) {
              const block = Uint8Array.from(snapshot.subarray(points[i], points[i + 1]));
              yield block;
              block.fill(0xee);
            }
          };
          const streamed: string[] = [];
          for (const chunk of chunkStream(blocks())) streamed.push(Buffer.from(chunk).toString('base64'));
          expect(streamed).toEqual(whole);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('an empty stream has no chunks', () => {
    expect([...chunkStream([])]).toEqual([]);
    expect([...chunkStream([new Uint8Array(0)])]).toEqual([]);
  });
});
