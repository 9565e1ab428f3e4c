import { createHash } from 'node:crypto';

/**
 * Content-defined chunking with a gear rolling hash (as FastCDC and restic do): boundaries follow the
 * content, so an insertion shifts only nearby chunks and unchanged data deduplicates across backups.
 * Sizes: at least 64 KiB, about 256 KiB on average, at most 1 MiB. Constants, never from input.
 */
export const MIN_CHUNK = 64 * 1024;
export const MAX_CHUNK = 1024 * 1024;
const MASK = (1 << 18) - 1; // about 256 KiB between boundaries after the minimum

/** 256 fixed pseudo-random 32-bit values, derived from SHA-256 so every build agrees. */
const GEAR: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++)
    table[i] = createHash('sha256').update(`trialvault-gear-${i}`).digest().readUInt32BE(0);
  return table;
})();

/** Splits a buffer into content-defined chunks (the last one may be short). */
export function* chunks(data: Uint8Array): Generator<Uint8Array> {
  let start = 0;
  while (start < data.length) {
    const end = boundary(data, start);
    yield data.subarray(start, end);
    start = end;
  }
}

/**
 * The same chunks as `chunks` over the concatenation of `blocks`, read block by block: a snapshot is
 * chunked as it is read and never held whole. A block may be reused by its producer once the chunks
 * cut from it have been taken (each is consumed before the next is asked for); what is left over
 * after the last cut is copied and carried into the next block.
 */
export function* chunkStream(blocks: Iterable<Uint8Array>): Generator<Uint8Array> {
  let carried: Uint8Array = new Uint8Array(0);
  for (const block of blocks) {
    if (block.length === 0) continue;
    const data = carried.length === 0 ? block : Buffer.concat([carried, block]);
    let start = 0;
    for (;;) {
      const end = boundary(data, start);
      // Running out of data is not a cut unless the chunk is at its largest: read on.
      if (end === data.length && end - start < MAX_CHUNK) break;
      yield data.subarray(start, end);
      start = end;
    }
    carried = Uint8Array.from(data.subarray(start));
  }
  yield* chunks(carried);
}

function boundary(data: Uint8Array, start: number): number {
  const limit = Math.min(data.length, start + MAX_CHUNK);
  let i = start + MIN_CHUNK;
  if (i >= limit) return limit;
  let hash = 0;
  for (; i < limit; i++) {
    hash = ((hash << 1) + (GEAR[data[i] as number] as number)) >>> 0;
    if ((hash & MASK) === 0) return i + 1;
  }
  return limit;
}
