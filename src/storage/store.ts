import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Dialect } from './dialect.js';
import { migrateToLatest } from './migrate.js';
import { attachReader, type SqliteReader } from './prepared-query.js';
import type { Database } from './schema.js';

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

const STATEMENT_CACHE = 500;

/**
 * Kysely prepares every query anew; better-sqlite3 statements can be reused, and Kysely runs one query
 * at a time per connection, so a bounded cache by SQL text saves the prepare on hot paths.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property !== 'prepare') {
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (source: string) => {
        let statement = cache.get(source);
        if (statement === undefined) {
          statement = target.prepare(source);
          if (cache.size >= STATEMENT_CACHE) {
            const oldest = cache.keys().next().value;
            if (oldest !== undefined) cache.delete(oldest);
          }
          cache.set(source, statement);
        }
        return statement;
      };
    },
  });
}

/**
 * A second, read-only connection for prepared reads on hot paths (prepared-query.ts). better-sqlite3
 * answers synchronously, so a read here needs none of Kysely's per-connection queueing, and it sees
 * exactly what is committed: never another request's open transaction, which holds the main one.
 */
function openReader(file: string): SqliteReader {
  const sqlite = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    all(source, parameters) {
      let statement = statements.get(source);
      if (statement === undefined) {
        statement = sqlite.prepare(source);
        statements.set(source, statement);
      }
      return statement.all(...parameters);
    },
    close: () => sqlite.close(),
  };
}

/** Opens the store and applies pending migrations. */
export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.dialect === 'sqlite') {
    const sqlite = openSqlite(location.file);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    await migrateToLatest(db, 'sqlite');
    // Opened after the migrations, so that its statements are prepared against the final schema.
    const reader = openReader(location.file);
    attachReader(db, reader);
    const close = async () => {
      reader.close();
      await db.destroy();
    };
    return { db, dialect: 'sqlite', file: location.file, close };
  }
  const pool = new pg.Pool({
    connectionString: location.url,
    max: location.poolSize ?? 10,
    ...(location.schema === undefined ? {} : { options: `-c search_path=${location.schema}` }),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // Kysely looks for its bookkeeping tables in every schema unless told which: with the schema chosen
  // by the URL's search_path, another store's tables in the same database would be taken for ours.
  const schema =
    location.schema ??
    (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema;
  await migrateToLatest(db, 'postgres', schema ?? undefined);
  return { db, dialect: 'postgres', file: undefined, close: () => db.destroy() };
}
