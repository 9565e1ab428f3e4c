import { nextTick } from '../storage/read-tick.js';

/** A row's mark: its highest row_seq seen, when it was raised, and the mark before that. */
interface Mark {
  readonly seq: number;
  /** The tick of the raise (storage/read-tick.ts). */
  readonly tick: number;
  readonly previous: number | undefined;
  readonly previousTick: number;
}

/**
 * A bounded map of row high-water marks (row-trust.ts) in two generations: marks are written to the
 * young generation; when it holds half the capacity it becomes the old one and the previous old one is
 * dropped whole. A mark read or raised from the old generation moves to the young one, so the marks
 * that go are the least recently used. Every operation is O(1): evicting entries one at a time from
 * a Map's front made each eviction walk the holes earlier deletions left (an export of more rows than
 * the table holds became quadratic: issue #16 bench).
 */
export class MarkTable {
  #young = new Map<string, Mark>();
  #old = new Map<string, Mark>();
  readonly #half: number;

  constructor(capacity: number) {
    this.#half = Math.max(1, Math.floor(capacity / 2));
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  #mark(id: string): Mark | undefined {
    const young = this.#young.get(id);
    if (young !== undefined) return young;
    const old = this.#old.get(id);
    if (old !== undefined) this.#put(id, old);
    return old;
  }

  get(id: string): number | undefined {
    return this.#mark(id)?.seq;
  }

  /**
   * The mark as it stood when a read was sent at `tick` (review s13): a raise after the read was sent
   * may be the very commit the read did not see yet. The two latest raises are kept; for an unlocked
   * read older than both, the mark at its time is unknown and it is compared with none (its MAC is
   * still checked; a false alarm in a burst of commits would be worse). Locked reads, the ones a change
   * acts on, carry no tick and are always compared with the mark as it is now (read-tick.ts).
   */
  at(id: string, tick: number): number | undefined {
    const mark = this.#mark(id);
    if (mark === undefined || mark.tick <= tick) return mark?.seq;
    return mark.previousTick <= tick ? mark.previous : undefined;
  }

  /** Raises the mark of `id` to `seq`; a mark is never lowered. */
  raise(id: string, seq: number): void {
    const previous = this.#mark(id);
    if (previous !== undefined && previous.seq >= seq) return;
    this.#put(id, {
      seq,
      tick: nextTick(),
      previous: previous?.seq,
      previousTick: previous?.tick ?? 0,
    });
  }

  #put(id: string, mark: Mark): void {
    this.#young.set(id, mark);
    this.#old.delete(id);
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
  }
}
