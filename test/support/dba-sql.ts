import Sqlite from 'better-sqlite3';
import pg from 'pg';
import type { StoreLocation } from '../../src/storage/store.js';

export type Row = Record<string, unknown>;

/**
 * Direct SQL on a stopped store, with nothing of TrialVault in between: what a database
 * administrator (or anyone with the database's credentials or file) can do. Placeholders are `?`.
 */
export interface RawDb {
  readonly dialect: 'sqlite' | 'postgres';
  all(text: string, ...params: unknown[]): Promise<Row[]>;
  one(text: string, ...params: unknown[]): Promise<Row>;
  run(text: string, ...params: unknown[]): Promise<number>;
  /**
   * Copies a row into a new one with some columns changed; every other column, its seal included,
   * comes from the source row (the strongest forgery a database administrator can make without a key).
   */
  copyRow(table: string, where: Row, changes: Row): Promise<void>;
  /** Puts rows back exactly as they were read (seals included): a rollback of those rows. */
  restoreRows(table: string, rows: readonly Row[], key?: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export async function rawDb(location: StoreLocation): Promise<RawDb> {
  if (location.dialect === 'sqlite') {
    const db = new Sqlite(location.file);
    db.pragma('foreign_keys = OFF');
    const raw: RawDb = {
      dialect: 'sqlite',
      all: async (text, ...params) => db.prepare(text).all(...params) as Row[],
      one: async (text, ...params) => {
        const row = db.prepare(text).get(...params) as Row | undefined;
        if (row === undefined) throw new Error(`no row: ${text}`);
        return row;
      },
      run: async (text, ...params) => db.prepare(text).run(...params).changes,
      copyRow: (table, where, changes) => copyRow(raw, table, where, changes),
      restoreRows: (table, rows, key) => restoreRows(raw, table, rows, key),
      close: async () => {
        db.close();
      },
    };
    return raw;
  }
  const client = new pg.Client({
    connectionString: location.url,
    options: `-c search_path=${location.schema}`,
  });
  await client.connect();
  // Triggers and foreign keys off, as an administrator with full database access has them.
  await client.query('SET session_replication_role = replica');
  const numbered = (text: string) => {
    let n = 0;
    return text.replace(/\?/g, () => `$${++n}`);
  };
  const raw: RawDb = {
    dialect: 'postgres',
    all: async (text, ...params) => (await client.query(numbered(text), params)).rows as Row[],
    one: async (text, ...params) => {
      const row = (await client.query(numbered(text), params)).rows[0] as Row | undefined;
      if (row === undefined) throw new Error(`no row: ${text}`);
      return row;
    },
    run: async (text, ...params) => (await client.query(numbered(text), params)).rowCount ?? 0,
    copyRow: (table, where, changes) => copyRow(raw, table, where, changes),
    restoreRows: (table, rows, key) => restoreRows(raw, table, rows, key),
    close: () => client.end(),
  };
  return raw;
}

async function copyRow(db: RawDb, table: string, where: Row, changes: Row): Promise<void> {
  const keys = Object.keys(where);
  const source = await db.one(
    `select * from ${table} where ${keys.map((k) => `${k} = ?`).join(' and ')}`,
    ...keys.map((k) => where[k]),
  );
  await insertRow(db, table, { ...source, ...changes });
}

async function insertRow(db: RawDb, table: string, row: Row): Promise<void> {
  const columns = Object.keys(row);
  await db.run(
    `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
    ...columns.map((c) => row[c]),
  );
}

async function restoreRows(
  db: RawDb,
  table: string,
  rows: readonly Row[],
  key: readonly string[] = ['id'],
): Promise<void> {
  for (const row of rows) {
    await db.run(
      `delete from ${table} where ${key.map((k) => `${k} = ?`).join(' and ')}`,
      ...key.map((k) => row[k]),
    );
    await insertRow(db, table, row);
  }
}
