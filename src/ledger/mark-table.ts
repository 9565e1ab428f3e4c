/**
 * A bounded map of row high-water marks (row-trust.ts) in two generations: marks are written to the
 * young generation; when it holds half the capacity it becomes the old one and the previous old one is
 * dropped whole. A mark read or raised from the old generation moves to the young one, so the marks
 * that go are the least recently used. Every operation is O(1): evicting entries one at a time from
 * a Map's front made each eviction walk the holes earlier deletions left (an export of more rows than
 * the table holds became quadratic: issue #16 bench).
 */
export class MarkTable {
  #young = new Map<string, number>();
  #old = new Map<string, number>();
  readonly #half: number;

  constructor(capacity: number) {
    this.#half = Math.max(1, Math.floor(capacity / 2));
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  get(id: string): number | undefined {
    const young = this.#young.get(id);
    if (young !== undefined) return young;
    const old = this.#old.get(id);
    if (old !== undefined) this.#put(id, old);
    return old;
  }

  /** Raises the mark of `id` to `seq`; a mark is never lowered. */
  raise(id: string, seq: number): void {
    const previous = this.get(id);
    if (previous !== undefined && previous >= seq) return;
    this.#put(id, seq);
  }

  #put(id: string, seq: number): void {
    this.#young.set(id, seq);
    this.#old.delete(id);
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
  }
}
