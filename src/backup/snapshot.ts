import SqliteDatabase from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { ACCESS_EPOCH } from '../storage/migrations/0004-access-epoch.js';
import type { Database } from '../storage/schema.js';
import type { Store } from '../storage/store.js';
import { chunkStream, chunks } from './chunker.js';
import { openSqliteStream } from './sqlite-stream.js';

/** The store's tables in an order that satisfies foreign keys on load. */
export const TABLES = [
  'meta',
  'counters',
  'studies',
  'sites',
  'study_keys',
  'forms',
  'form_versions',
  'participants',
  'participant_keys',
  'participant_lookup',
  'records',
  'record_versions',
  'audit_events',
  'ledger_checkpoints',
  'users',
  'recovery_codes',
  'sessions',
  'passkeys',
  'api_tokens',
  'grants',
  'break_glass',
  'alerts',
  'signatures',
  'devices',
  'telemetry_uploads',
  'telemetry_blocks',
  'telemetry_policies',
] as const;

export type SnapshotFormat = 'sqlite' | 'jsonl';

/**
 * A consistent snapshot while the server keeps serving: SQLite's online backup API, or for PostgreSQL
 * every table read in one REPEATABLE READ transaction, as JSON lines (binary columns base64).
 */
export async function takeSnapshot(store: Store): Promise<{ format: SnapshotFormat; bytes: Buffer }> {
  if (store.dialect === 'sqlite' && store.file !== undefined) {
    // A separate read-only connection serializes the database inside one read transaction: a
    // consistent image while the server keeps writing (WAL), with no temporary file.
    const source = new SqliteDatabase(store.file, { readonly: true, fileMustExist: true });
    try {
      return { format: 'sqlite', bytes: source.serialize() };
    } finally {
      source.close();
    }
  }
  return { format: 'jsonl', bytes: await logicalDump(store.db) };
}

/** A snapshot as the chunks to store, produced as they are read; `close` ends the snapshot. */
export interface OpenSnapshot {
  readonly format: SnapshotFormat;
  /** How it was taken: read from the store file, serialized by SQLite, or dumped (PostgreSQL). */
  readonly method: 'streamed' | 'serialized' | 'dumped';
  readonly chunks: Iterable<Uint8Array>;
  close(): void;
}

/**
 * The snapshot a backup stores: for SQLite streamed from the store file when the WAL can be emptied
 * first (sqlite-stream.ts), else serialized; for PostgreSQL the logical dump.
 */
export async function openSnapshot(store: Store): Promise<OpenSnapshot> {
  if (store.dialect === 'sqlite' && store.file !== undefined) {
    const stream = await openSqliteStream(store.file);
    if (stream !== undefined) {
      return {
        format: 'sqlite',
        method: 'streamed',
        chunks: chunkStream(stream.blocks()),
        close: () => stream.close(),
      };
    }
  }
  const snapshot = await takeSnapshot(store);
  return {
    format: snapshot.format,
    method: snapshot.format === 'sqlite' ? 'serialized' : 'dumped',
    chunks: chunks(snapshot.bytes),
    close: () => undefined,
  };
}

async function logicalDump(db: Kysely<Database>): Promise<Buffer> {
  return db.transaction().execute(async (trx) => {
    await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`.execute(trx);
    const parts: string[] = [];
    for (const table of TABLES) {
      const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(trx)).rows;
      for (const row of rows) parts.push(JSON.stringify({ t: table, r: encodeRow(row) }));
    }
    return Buffer.from(`${parts.join('\n')}\n`, 'utf8');
  });
}

function encodeRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = Buffer.isBuffer(v) ? { $b64: v.toString('base64') } : v;
  return out;
}

function decodeRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] =
      v !== null && typeof v === 'object' && '$b64' in v
        ? Buffer.from(String((v as { $b64: string }).$b64), 'base64')
        : v;
  }
  return out;
}

/** Loads a JSON-lines snapshot into an empty, migrated store, in one transaction. */
export async function loadLogicalDump(db: Kysely<Database>, bytes: Buffer): Promise<number> {
  const lines = bytes
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
  return db.transaction().execute(async (trx) => {
    // The migrated store's own access epoch gives way to the snapshot's (restored below if absent).
    await sql`delete from counters where name = ${ACCESS_EPOCH}`.execute(trx);
    let count = 0;
    for (const line of lines) {
      const { t, r } = JSON.parse(line) as { t: string; r: Record<string, unknown> };
      if (!(TABLES as readonly string[]).includes(t)) throw new Error('snapshot names an unknown table');
      const row = decodeRow(r);
      const columns = Object.keys(row);
      await sql`insert into ${sql.table(t)} (${sql.join(columns.map((c) => sql.ref(c)))}) values (${sql.join(columns.map((c) => row[c]))})`.execute(
        trx,
      );
      count++;
    }
    await sql`insert into counters (name, value) values (${ACCESS_EPOCH}, 0) on conflict (name) do nothing`.execute(
      trx,
    );
    return count;
  });
}
