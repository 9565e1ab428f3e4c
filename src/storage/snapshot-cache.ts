import type { Kysely } from 'kysely';
import { commitVersion } from './prepared-query.js';
import type { Database } from './schema.js';

interface Entry<V> {
  readonly version: number;
  readonly value: V;
}

/**
 * Values read from a store, each kept with the commit version it was read under and given again while
 * that version stands: nothing has been committed to the store since (by anyone: this process, a CLI
 * command, someone with SQL), so the rows are as they were read. A commit makes every entry stale at
 * once. Only a store that can say (the embedded one, outside a transaction: `commitVersion`) is cached;
 * the answer is whatever `load` answers, so the caller still checks it (row MACs: issue #17). Values
 * are shared by every caller: frozen, never changed.
 */
export class SnapshotCache<V> {
  readonly #entries = new WeakMap<Kysely<Database>, Map<string, Entry<V>>>();

  constructor(private readonly limit: number) {}

  async get(db: Kysely<Database>, key: string, load: () => Promise<V>): Promise<V> {
    // Read before the rows it vouches for: a commit between the two only makes the next caller load.
    const version = commitVersion(db);
    if (version === undefined) return load();
    let entries = this.#entries.get(db);
    const known = entries?.get(key);
    if (known !== undefined && known.version === version) return known.value;
    const value = await load();
    if (entries === undefined) {
      entries = new Map();
      this.#entries.set(db, entries);
    }
    if (entries.size >= this.limit) entries.clear();
    entries.set(key, { version, value: Object.freeze(value) });
    return value;
  }
}
