/**
 * Answers that depend only on access state (a session with its user, a user's grants), kept while the
 * access epoch is unchanged. The epoch is a database counter that triggers advance on every change to
 * users, sessions, tokens, grants and break-glass, in whatever process or by whatever hand, so a
 * cached answer is never older than the last committed change (ASVS 7.4.1: logout, disable and
 * revocation take effect on the next request). Bounded: the oldest entries go first.
 */
export class AccessCache<V> {
  readonly #entries = new Map<string, { epoch: number; value: V }>();

  constructor(private readonly capacity = 10_000) {}

  get(key: string, epoch: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.epoch !== epoch) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, epoch: number, value: V): void {
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
