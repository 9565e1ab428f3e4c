/**
 * When each row was read, counted in raises of this process's row marks (ledger/row-trust.ts): a
 * tick. Review s13: on PostgreSQL (a pool, READ COMMITTED) and in the gaps between a read and its
 * check on SQLite, a read sent before a concurrent commit can come back with the row as it was just
 * before that commit, after the commit has already raised the row's mark. That row is not an older
 * row put back: it was the current row when the read was sent. Its check compares it with the mark as
 * it stood then (`MarkTable.at`), so a race is never reported as tampering (it was, under 50 TOTP
 * answers sent at once), while a row put back before the read was sent is still refused.
 */
let ticks = 0;
const readAt = new WeakMap<object, number>();

/** The tick now: every mark raised so far has a tick at most this. */
export function currentTick(): number {
  return ticks;
}

/** A new tick for a mark being raised: later than every read sent before it. */
export function nextTick(): number {
  ticks += 1;
  return ticks;
}

/** Notes that these rows were read by a query sent at `tick`. */
export function tagRead(rows: readonly unknown[], tick: number): void {
  for (const row of rows) if (typeof row === 'object' && row !== null) readAt.set(row, tick);
}

/** The tick at which the row's query was sent; undefined for a row built here (checked strictly). */
export function readTickOf(row: object): number | undefined {
  return readAt.get(row);
}

/** A row built from a row read (a record from its joined row) keeps the read's tick. */
export function carryReadTick<T extends object>(from: object, to: T): T {
  const tick = readAt.get(from);
  if (tick !== undefined) readAt.set(to, tick);
  return to;
}

/**
 * Forgets when a row was read: it is then compared with its mark as it is now. For a locked read
 * (`for update`, `for share`): one that waited in the lock queue answers the version committed after
 * its wait, never an older one, so no leniency is owed to it, and none may be given (review s13: a
 * put-back queued behind a legitimate writer would otherwise be compared with the older mark).
 */
export function forgetReadTick(row: object): void {
  readAt.delete(row);
}
