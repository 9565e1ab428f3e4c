import { sql } from 'kysely';
import type { Store } from './store.js';

/** Purges pages freed by an erasure, so the destroyed key does not linger in the WAL or dead tuples. */
export function freedPagePurger(store: Store): () => Promise<void> {
  return async () => {
    if (store.dialect === 'sqlite') await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);
    else await sql`VACUUM participant_keys`.execute(store.db);
  };
}
