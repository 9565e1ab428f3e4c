import { type Kysely, sql } from 'kysely';
import { PreparedQuery } from '../storage/prepared-query.js';
import type { Database } from '../storage/schema.js';
import { eventLeaf } from './event-leaf.js';
import { leafHash } from './merkle.js';
import type { RowSealer } from './row-seal.js';
import { parseRowSeals } from './row-seal-store.js';
import { rowId, seedMark } from './row-trust.js';

/** What following the ledger needs of the keys: row marks are per row key, leaf MACs vouch for events. */
export interface TailSealer extends RowSealer {
  eventMac(leafHashValue: Buffer): Buffer;
}

/** Per store handle and row key: the newest event whose row seals have raised the marks. */
const followed = new WeakMap<Kysely<Database>, WeakMap<TailSealer, number>>();

const topQuery = new PreparedQuery(0, (db: Kysely<Database>) =>
  db.selectFrom('audit_events').select(sql<number | string | null>`max(seq)`.as('top')),
);

const PAGE = 1000;

/** The ledger is followed from here on (at start, once the marks are seeded from the whole ledger). */
export async function followFrom(db: Kysely<Database>, sealer: TailSealer): Promise<void> {
  const top = Number((await topQuery.first(db))?.top ?? -1);
  let bySealer = followed.get(db);
  if (bySealer === undefined) {
    bySealer = new WeakMap();
    followed.set(db, bySealer);
  }
  bySealer.set(sealer, top);
}

/**
 * Raises the high-water marks of the rows the events appended since the last call seal, whoever
 * appended them (review s9, S9-1b): a row another process changed after this one started (a token
 * revoked by a CLI command) and then put back older in SQL is below its mark, as if this process had
 * made the change. One indexed `max(seq)` per call; events are read only when the ledger grew. An
 * event whose leaf MAC fails vouches for nothing (its rows are found by verify and at the next start).
 */
export async function followLedger(db: Kysely<Database>, sealer: TailSealer): Promise<void> {
  const last = followed.get(db)?.get(sealer);
  if (last === undefined) return followFrom(db, sealer);
  const top = Number((await topQuery.first(db))?.top ?? -1);
  if (!(top > last)) return;
  // The counter numbers events without gaps (a rolled-back change rolls its number back too), so the
  // follower moves one number at a time: an event copied in SQL under a huge number (a leaf MAC does
  // not cover the number) is never reached, and the real events below it are all read. An event whose
  // leaf MAC fails is passed over without vouching for its rows.
  let trusted = last;
  for (;;) {
    const events = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', trusted)
      .where('seq', '<=', top)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    let moved = false;
    for (const event of events) {
      const seq = Number(event.seq);
      if (seq !== trusted + 1) break;
      trusted = seq;
      moved = true;
      if (event.leaf_mac === null || !sealer.eventMac(leafHash(eventLeaf(event))).equals(event.leaf_mac))
        continue;
      for (const [table, key] of parseRowSeals(event.row_seals))
        seedMark(sealer, table, rowId(table, key), seq);
    }
    if (!moved || events.length < PAGE) break;
  }
  followed.get(db)?.set(sealer, trusted);
}
