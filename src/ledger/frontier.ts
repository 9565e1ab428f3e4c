import { EMPTY_ROOT, HASH_BYTES, nodeHash } from './merkle.js';

/**
 * The frontier of a Merkle tree of size n: the roots of its perfect subtrees, largest first, one per
 * set bit of n (a "compact range" of [0, n)). The RFC 9162 root folds them from the right, and a new
 * leaf merges into them, so a checkpoint after a restart costs the new events only, not the whole log.
 */
export function frontierRoot(frontier: readonly Uint8Array[]): Buffer {
  if (frontier.length === 0) return EMPTY_ROOT;
  let hash: Buffer = Buffer.from(frontier[frontier.length - 1] as Uint8Array);
  for (let i = frontier.length - 2; i >= 0; i--) hash = nodeHash(frontier[i] as Uint8Array, hash);
  return hash;
}

/** Appends one leaf hash to the frontier of a tree of `size` leaves (in place); returns the new size. */
export function extendFrontier(frontier: Uint8Array[], size: number, leaf: Uint8Array): number {
  frontier.push(leaf);
  // The trailing subtrees have the sizes of the set bits of `size`, smallest last: merge equal pairs.
  let carry = size;
  while ((carry & 1) === 1) {
    const right = frontier.pop() as Uint8Array;
    const left = frontier.pop() as Uint8Array;
    frontier.push(nodeHash(left, right));
    carry = Math.floor(carry / 2);
  }
  return size + 1;
}

/** Is `frontier` the right shape for `size` (one 32-byte hash per set bit)? */
export function frontierFits(frontier: readonly Uint8Array[], size: number): boolean {
  let bits = 0;
  for (let n = size; n > 0; n = Math.floor(n / 2)) bits += n % 2;
  return frontier.length === bits && frontier.every((h) => h.length === HASH_BYTES);
}

export function packFrontier(frontier: readonly Uint8Array[]): Buffer {
  return Buffer.concat(frontier.map((h) => Buffer.from(h)));
}

export function unpackFrontier(bytes: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i + HASH_BYTES <= bytes.length; i += HASH_BYTES)
    out.push(Buffer.from(bytes.subarray(i, i + HASH_BYTES)));
  return out;
}
