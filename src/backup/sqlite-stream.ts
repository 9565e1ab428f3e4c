import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';

/** Bytes read from the store file at a time (one reused buffer). */
const BLOCK = 8 * 1024 * 1024;
const ATTEMPTS = 5;
const RETRY_MS = 25;

export interface SnapshotStream {
  readonly bytes: number;
  blocks(): Generator<Uint8Array>;
  close(): void;
}

/**
 * A consistent image of a live SQLite store (WAL mode), read from its file block by block instead of
 * copied whole into memory. The WAL is checkpointed into the file and truncated, then a read
 * transaction is opened; if the WAL is still empty once that transaction holds its lock, the
 * transaction reads the file alone, and until it ends no checkpoint may write into the file (SQLite
 * backfills only under an exclusive lock on the read slot this transaction holds), while writers go on
 * appending to the WAL. Writes that land between the checkpoint and the lock make the attempt fail;
 * after a few, `undefined` tells the caller to use SQLite's serialize instead.
 */
export async function openSqliteStream(file: string): Promise<SnapshotStream | undefined> {
  const db = new SqliteDatabase(file, { fileMustExist: true });
  // Never wait inside SQLite: this runs on the server's thread, and the writer it would wait for may
  // be one of its own transactions. A busy attempt is retried after the event loop has moved on.
  db.pragma('busy_timeout = 0');
  const wal = `${file}-wal`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    let snapshot: { pages: number; pageSize: number } | undefined;
    try {
      const [checkpoint] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      db.exec('BEGIN');
      // The first read takes the read lock: the snapshot is fixed from here on.
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      const pages = Number(db.pragma('page_count', { simple: true }));
      const pageSize = Number(db.pragma('page_size', { simple: true }));
      const walEmpty = !existsSync(wal) || statSync(wal).size === 0;
      if (checkpoint?.busy === 0 && walEmpty && statSync(file).size >= pages * pageSize) {
        snapshot = { pages, pageSize };
      }
    } catch {
      // SQLITE_BUSY from a checkpoint or a WAL restart racing us: another attempt.
    }
    if (snapshot === undefined) {
      if (db.inTransaction) db.exec('COMMIT');
      continue;
    }
    const bytes = snapshot.pages * snapshot.pageSize;
    return {
      bytes,
      *blocks() {
        const fd = openSync(file, 'r');
        const buffer = Buffer.allocUnsafe(Math.min(BLOCK, Math.max(bytes, 1)));
        try {
          for (let at = 0; at < bytes; ) {
            const read = readSync(fd, buffer, 0, Math.min(buffer.length, bytes - at), at);
            if (read === 0) throw new Error('the store file ended before its last page');
            at += read;
            yield buffer.subarray(0, read);
          }
        } finally {
          closeSync(fd);
        }
      },
      close() {
        db.exec('COMMIT');
        db.close();
      },
    };
  }
  db.close();
  return undefined;
}
