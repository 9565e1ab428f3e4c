import { type Kysely, sql } from 'kysely';
import { commitVersion, PreparedQuery } from '../storage/prepared-query.js';
import type { Database } from '../storage/schema.js';
import { eventLeaf } from './event-leaf.js';
import { leafHash } from './merkle.js';
import type { RowSealer } from './row-seal.js';
import { parseRowSeals } from './row-seal-store.js';
import { rowId, seedMark } from './row-trust.js';
import { storedMacBytes, storedMacHolds } from './stored-mac.js';

/** What following the ledger needs of the keys: row marks are per row key, leaf MACs vouch for events. */
export interface TailSealer extends RowSealer {
  eventMac(leafHashValue: Buffer): Buffer;
}

/** Where a follower stands: the start, and the last event read with its leaf MAC as then stored. */
interface Position {
  readonly start: number;
  seq: number;
  mac: Buffer | null;
  /** The store's commit version when the follower last reached the top (undefined: never, or unknown). */
  version?: number | undefined;
  /** The follow in flight: one at a time per position (review cv CV-1, CV-1b). */
  running?: Promise<void> | undefined;
}

/** Per store handle and row key. */
const followed = new WeakMap<Kysely<Database>, WeakMap<TailSealer, Position>>();

const topQuery = new PreparedQuery(1, (db: Kysely<Database>, seq: number) =>
  db
    .selectFrom('audit_events')
    .select([
      sql<number | string | null>`max(seq)`.as('top'),
      sql<Buffer | null>`(select e.leaf_mac from audit_events e where e.seq = ${seq})`.as('at'),
    ]),
);

const PAGE = 1000;

async function top(db: Kysely<Database>, seq: number) {
  const row = await topQuery.first(db, seq);
  return { top: Number(row?.top ?? -1), at: storedMacBytes(row?.at) };
}

/**
 * The ledger is followed from `seq` on (read by the caller before it seeded the marks from the whole
 * ledger, so nothing committed meanwhile is missed: review s9b).
 */
export async function followFrom(db: Kysely<Database>, sealer: TailSealer, seq?: number): Promise<void> {
  const start = seq ?? (await ledgerTop(db));
  let bySealer = followed.get(db);
  if (bySealer === undefined) {
    bySealer = new WeakMap();
    followed.set(db, bySealer);
  }
  bySealer.set(sealer, { start, seq: start, mac: (await top(db, start)).at });
}

/** The newest event's number (-1: none). */
export async function ledgerTop(db: Kysely<Database>): Promise<number> {
  return (await top(db, -1)).top;
}

/**
 * Raises the high-water marks of the rows the events appended since the last call seal, whoever
 * appended them (review s9, S9-1b): a row another process changed after this one started (a token
 * revoked by a CLI command) and then put back older in SQL is below its mark, as if this process had
 * made the change. One indexed query per call; events are read only when the ledger grew.
 * The counter numbers events without gaps (a rolled-back change rolls its number back too), so the
 * follower moves one number at a time: an event inserted in SQL under a huge number is never reached
 * and the real ones below it are all read. The event it stands on is checked at every call: one
 * deleted or replaced in SQL (a forged copy taken and removed again, its number reused by a real
 * event) sends it back to its start, to read everything again (S9B-1). An event whose leaf MAC fails
 * is passed over without vouching for its rows.
 */
export async function followLedger(db: Kysely<Database>, sealer: TailSealer): Promise<void> {
  const at = followed.get(db)?.get(sealer);
  if (at === undefined) return followFrom(db, sealer);
  // One follow at a time: two requests in flight over the same events would both move the position,
  // and one that found its page no longer starting after it returned early, vouching for a top it had
  // not read (review cv CV-1, CV-1b). The others wait, then look again.
  while (at.running !== undefined) await at.running.catch(() => undefined);
  // Nothing committed to the store since the follower last reached the top, by anyone (SQLite's data
  // version): no event was appended, deleted or replaced, so there is nothing to read. Read before the
  // top: a commit in between only makes the next call look again.
  const version = commitVersion(db);
  if (version !== undefined && version === at.version) return;
  const run = followOn(db, sealer, at);
  at.running = run;
  try {
    await run;
    // Only a follow that reached the top records the version it started under.
    at.version = version;
  } finally {
    if (at.running === run) at.running = undefined;
  }
}

async function followOn(db: Kysely<Database>, sealer: TailSealer, at: Position): Promise<void> {
  const now = await top(db, at.seq);
  const moved = at.mac === null ? now.at !== null : now.at === null || !now.at.equals(at.mac);
  if (moved || now.top < at.seq) {
    at.seq = at.start;
    at.mac = (await top(db, at.start)).at;
  } else if (!(now.top > at.seq)) return;
  for (;;) {
    const events = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', at.seq)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    let stepped = false;
    for (const event of events) {
      const seq = Number(event.seq);
      if (seq !== at.seq + 1) break;
      at.seq = seq;
      at.mac = storedMacBytes(event.leaf_mac);
      stepped = true;
      // A leaf MAC forged as TEXT fails like any other, never throws (review cv CV-4).
      if (
        event.leaf_mac === null ||
        !storedMacHolds(sealer.eventMac(leafHash(eventLeaf(event))), event.leaf_mac)
      )
        continue;
      for (const [table, key] of parseRowSeals(event.row_seals))
        seedMark(sealer, table, rowId(table, key), seq);
    }
    if (!stepped || events.length < PAGE) return;
  }
}
