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

/**
 * The participants of a study the log says still hold a key: created and not erased, from the
 * events themselves (a participant row and its key row hidden together in SQL are still named). Null
 * when the log has a hole (an event deleted: the count of events is short of the sequence counter).
 */
export async function participantsLivingInLog(
  db: Kysely<Database>,
  studyId: string,
): Promise<Set<string> | null> {
  const counted = await db
    .selectFrom('audit_events')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('seq').as('max')])
    .executeTakeFirst();
  const counter = await db
    .selectFrom('counters')
    .select('value')
    .where('name', '=', 'audit_seq')
    .executeTakeFirst();
  const n = Number(counted?.n ?? 0);
  if (n !== Number(counter?.value ?? 0) || (n > 0 && Number(counted?.max) !== n - 1)) return null;
  const events = await db
    .selectFrom('audit_events')
    .select(['participant_id', 'action'])
    .where('study_id', '=', studyId)
    .where('action', 'in', ['participant.create', 'participant.erase'])
    .where('outcome', '=', 'success')
    .orderBy('seq')
    .execute();
  const living = new Set<string>();
  for (const e of events) {
    if (e.participant_id === null) continue;
    if (e.action === 'participant.create') living.add(e.participant_id);
    else living.delete(e.participant_id);
  }
  return living;
}
