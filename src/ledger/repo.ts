import type { Kysely, Selectable } from 'kysely';
import type { Database, LedgerCheckpointTable } from '../storage/schema.js';
import type { EventRow } from './event-leaf.js';

export type CheckpointRow = Selectable<LedgerCheckpointTable>;

const EVENT_COLUMNS = [
  'seq',
  'at',
  'actor',
  'action',
  'outcome',
  'study_id',
  'participant_id',
  'record_id',
  'target',
  'reason',
  'client',
  'details',
  'row_seals',
] as const;

/** Events in sequence order from `fromSeq`, a page at a time (constant memory over a million events). */
export async function* eventsFrom(
  db: Kysely<Database>,
  fromSeq: number,
  pageSize = 5000,
): AsyncGenerator<EventRow> {
  let next = fromSeq;
  for (;;) {
    const page = await db
      .selectFrom('audit_events')
      .select(EVENT_COLUMNS)
      .where('seq', '>=', next)
      .orderBy('seq')
      .limit(pageSize)
      .execute();
    for (const row of page) yield row;
    const last = page[page.length - 1];
    if (page.length < pageSize || last === undefined) return;
    next = Number(last.seq) + 1;
  }
}

export async function findEvent(db: Kysely<Database>, seq: number): Promise<EventRow | undefined> {
  return db.selectFrom('audit_events').select(EVENT_COLUMNS).where('seq', '=', seq).executeTakeFirst();
}

export async function insertCheckpoint(db: Kysely<Database>, row: CheckpointRow): Promise<boolean> {
  const result = await db
    .insertInto('ledger_checkpoints')
    .values(row)
    .onConflict((oc) => oc.column('size').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function listCheckpoints(db: Kysely<Database>): Promise<CheckpointRow[]> {
  return db.selectFrom('ledger_checkpoints').selectAll().orderBy('size').execute();
}

export async function latestCheckpoint(db: Kysely<Database>): Promise<CheckpointRow | undefined> {
  return db.selectFrom('ledger_checkpoints').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst();
}

/** The number of events in the log (the next sequence number). */
export async function eventCount(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.max('seq').as('max'))
    .executeTakeFirst();
  return row?.max === null || row?.max === undefined ? 0 : Number(row.max) + 1;
}
