import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Dialect } from './dialect.js';
import { migrateToLatest } from './migrate.js';
import { attachReader } from './prepared-query.js';
import { RawReads } from './raw-reads.js';
import type { Database } from './schema.js';
import { guardSchema } from './schema-guard.js';
import { RoutingSqliteDialect, SharedRead, StatementCache } from './sqlite-routing.js';
import { tickedDialect } from './ticked-dialect.js';
import { groupCommits } from './transact.js';
import { writeImagePlugin } from './write-image.js';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** The SQLite file, for the embedded store. */
  readonly file: string | undefined;
  close(): Promise<void>;
}

export type StoreLocation =
  | { readonly dialect: 'sqlite'; readonly file: string }
  | {
      readonly dialect: 'postgres';
      readonly url: string;
      readonly schema?: string;
      readonly poolSize?: number;
    };

export const SQLITE_FILE_NAME = 'trialvault.db';

export function locateStore(dataDir: string, dbUrl: string | undefined): StoreLocation {
  if (dbUrl !== undefined) return { dialect: 'postgres', url: dbUrl };
  // The data directory holds data only, never keys; 0700 keeps other local users out (ASVS 13.3.1).
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return { dialect: 'sqlite', file: join(dataDir, SQLITE_FILE_NAME) };
}

function openSqlite(file: string): SqliteDatabase.Database {
  // Created owner-only; SQLite gives its -wal and -shm files the same mode (ASVS 13.3.1).
  if (!existsSync(file)) writeFileSync(file, '', { mode: 0o600, flag: 'wx' });
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  // Every commit is durable before it is acknowledged (21 CFR 11.10(c): accurate and complete records).
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // Deleted content (an erased participant's key) is overwritten with zeros, not left in free pages.
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

/** The read-only connection beside the main one (sqlite-routing.ts); opened after the main one set WAL. */
function openReader(file: string): SqliteDatabase.Database {
  const sqlite = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

/** Opens the store and applies pending migrations. */
export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.dialect === 'sqlite') {
    const main = new StatementCache(openSqlite(location.file));
    const reader = new StatementCache(openReader(location.file));
    const shared = new SharedRead(reader);
    const db = new Kysely<Database>({
      dialect: new RoutingSqliteDialect(main, shared),
      plugins: [writeImagePlugin],
    });
    // Prepared hot reads skip Kysely's executor and ask the reader directly (prepared-query.ts).
    const raw = new RawReads(shared);
    attachReader(db, {
      all: (source, parameters) => raw.all(source, parameters),
      dataVersion: () => shared.dataVersion(),
    });
    groupCommits(db);
    await migrateToLatest(db, 'sqlite');
    await guardSchema(db, 'sqlite');
    return { db, dialect: 'sqlite', file: location.file, close: () => db.destroy() };
  }
  const pool = new pg.Pool({
    connectionString: location.url,
    max: location.poolSize ?? 10,
    ...(location.schema === undefined ? {} : { options: `-c search_path=${location.schema}` }),
  });
  const db = new Kysely<Database>({
    dialect: tickedDialect(new PostgresDialect({ pool })),
    plugins: [writeImagePlugin],
  });
  // Kysely looks for its bookkeeping tables in every schema unless told which: with the schema chosen
  // by the URL's search_path, another store's tables in the same database would be taken for ours.
  const schema =
    location.schema ??
    (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema;
  await migrateToLatest(db, 'postgres', schema ?? undefined);
  // Before anything is written: the schema is the one the migrations made (schema-guard.ts).
  await guardSchema(db, 'postgres');
  return { db, dialect: 'postgres', file: undefined, close: () => db.destroy() };
}
