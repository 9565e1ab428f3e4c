import { accessWrites } from '../ledger/row-trust.js';

/**
 * Answers that depend only on access state (a session with its user, a user's grants), kept while the
 * access epoch is unchanged. The epoch is a database counter that triggers advance on every change to
 * users, sessions, tokens, grants and break-glass, in whatever process or by whatever hand, so a
 * cached answer is never older than the last committed change (ASVS 7.4.1: logout, disable and
 * revocation take effect on the next request). Bounded: the oldest entries go first.
 * The counter only ever rises: an epoch below the highest seen was set back by hand, so every entry
 * goes and nothing is cached under it; and an access change committed by this process empties the
 * cache whatever the counter says (review hole C: a revoked grant served again from an entry cached
 * before the revocation once the epoch is put back).
 */
export class AccessCache<V> {
  readonly #entries = new Map<string, { epoch: number; value: V }>();
  #highest = Number.NEGATIVE_INFINITY;
  #writes = accessWrites();

  constructor(private readonly capacity = 10_000) {}

  /** False when the epoch was set back: the caller must not use or keep answers under it. */
  #current(epoch: number): boolean {
    const writes = accessWrites();
    if (writes !== this.#writes) {
      this.#writes = writes;
      this.#entries.clear();
    }
    if (epoch < this.#highest) {
      this.#entries.clear();
      return false;
    }
    this.#highest = epoch;
    return true;
  }

  get(key: string, epoch: number): V | undefined {
    if (!this.#current(epoch)) return undefined;
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.epoch !== epoch) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, epoch: number, value: V): void {
    if (!this.#current(epoch)) return;
    if (this.#entries.size >= this.capacity && !this.#entries.has(key)) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { epoch, value });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}
