import { EMPTY_ROOT, HASH_BYTES, nodeHash, splitPoint } from './merkle.js';

/** One level of complete subtree hashes, packed in one growable buffer (no object per node). */
class Level {
  #bytes = Buffer.alloc(HASH_BYTES * 1024);
  count = 0;

  push(hash: Uint8Array): void {
    if ((this.count + 1) * HASH_BYTES > this.#bytes.length) {
      const bigger = Buffer.alloc(this.#bytes.length * 2);
      this.#bytes.copy(bigger);
      this.#bytes = bigger;
    }
    this.#bytes.set(hash, this.count * HASH_BYTES);
    this.count++;
  }

  get(index: number): Buffer {
    return this.#bytes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);
  }

  truncate(count: number): void {
    this.count = Math.min(this.count, count);
  }
}

/**
 * An append-only Merkle tree that keeps every complete subtree hash, so the root of any earlier size,
 * an inclusion proof or a consistency proof costs O(log^2 n) hashes (RFC 9162 2.1.3.1, 2.1.4.1).
 */
export class MerkleTree {
  readonly #levels: Level[] = [new Level()];

  get size(): number {
    return this.#levels[0]?.count ?? 0;
  }

  append(leafHashValue: Uint8Array): void {
    let level = 0;
    let hash: Uint8Array = leafHashValue;
    for (;;) {
      let current = this.#levels[level];
      if (current === undefined) {
        current = new Level();
        this.#levels.push(current);
      }
      current.push(hash);
      if (current.count % 2 === 1) return;
      hash = nodeHash(current.get(current.count - 2), current.get(current.count - 1));
      level++;
    }
  }

  /** Drops leaves from `size` on (used when a stored log turns out shorter than the cached one). */
  truncate(size: number): void {
    this.#levels.forEach((level, l) => {
      level.truncate(Math.floor(size / 2 ** l));
    });
  }

  leaf(index: number): Buffer {
    const level = this.#levels[0];
    if (level === undefined || index >= level.count) throw new Error('leaf index out of range');
    return level.get(index);
  }

  /** MTH(D[start:end]) for the ranges the RFC recursion asks for. */
  #range(start: number, end: number): Buffer {
    const n = end - start;
    if (n === 1) return this.leaf(start);
    if ((n & (n - 1)) === 0 && n <= 2 ** 30 && start % n === 0) {
      const level = this.#levels[Math.log2(n)];
      if (level !== undefined && start / n < level.count) return level.get(start / n);
    }
    const k = splitPoint(n);
    return nodeHash(this.#range(start, start + k), this.#range(start + k, end));
  }

  /** The roots of the perfect subtrees of [0, size), largest first (see frontier.ts). */
  frontier(size = this.size): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    for (let bit = 2 ** Math.floor(Math.log2(Math.max(size, 1))); bit >= 1; bit /= 2) {
      if ((Math.floor(size / bit) & 1) === 1) {
        out.push(this.#range(start, start + bit));
        start += bit;
      }
    }
    return out;
  }

  root(size = this.size): Buffer {
    if (size > this.size) throw new Error('size beyond the tree');
    return size === 0 ? EMPTY_ROOT : this.#range(0, size);
  }

  /** RFC 9162 2.1.3.1 PATH(m, D[n]). */
  inclusionProof(index: number, size = this.size): Buffer[] {
    if (index < 0 || index >= size || size > this.size) throw new Error('index or size out of range');
    const path = (m: number, start: number, end: number): Buffer[] => {
      const n = end - start;
      if (n === 1) return [];
      const k = splitPoint(n);
      return m < k
        ? [...path(m, start, start + k), this.#range(start + k, end)]
        : [...path(m - k, start + k, end), this.#range(start, start + k)];
    };
    return path(index, 0, size);
  }

  /** RFC 9162 2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
  consistencyProof(size1: number, size2 = this.size): Buffer[] {
    if (size1 <= 0 || size1 > size2 || size2 > this.size) throw new Error('sizes out of range');
    const subproof = (m: number, start: number, end: number, complete: boolean): Buffer[] => {
      const n = end - start;
      if (m === n) return complete ? [] : [this.#range(start, end)];
      const k = splitPoint(n);
      return m <= k
        ? [...subproof(m, start, start + k, complete), this.#range(start + k, end)]
        : [...subproof(m - k, start + k, end, false), this.#range(start, start + k)];
    };
    return subproof(size1, 0, size2, true);
  }
}
