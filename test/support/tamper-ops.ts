import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../../src/storage/dialect.js';
import type { Database } from '../../src/storage/schema.js';

/** A table as the database describes it: its columns in order and its primary key. */
export interface TableShape {
  readonly table: string;
  readonly columns: readonly string[];
  /** The primary key, or every column when the table has none. */
  readonly key: readonly string[];
}

export type Op = 'edit' | 'delete' | 'insert' | 'swap';
export const OPS: readonly Op[] = ['edit', 'delete', 'insert', 'swap'];

type Row = Record<string, unknown>;

/** The columns and primary key of a table, read from the database (not from the code's declarations). */
export async function tableShape(db: Kysely<Database>, dialect: Dialect, table: string): Promise<TableShape> {
  if (dialect === 'sqlite') {
    const info = (
      await sql<{
        name: string;
        pk: number;
      }>`select name, pk from pragma_table_info(${table}) order by cid`.execute(db)
    ).rows;
    const key = info
      .filter((c) => Number(c.pk) > 0)
      .sort((a, b) => Number(a.pk) - Number(b.pk))
      .map((c) => c.name);
    const columns = info.map((c) => c.name);
    return { table, columns, key: key.length > 0 ? key : columns };
  }
  const columns = (
    await sql<{ name: string }>`select column_name as name from information_schema.columns
      where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(db)
  ).rows.map((c) => c.name);
  const key = (
    await sql<{ name: string }>`select kcu.column_name as name from information_schema.table_constraints tc
      join information_schema.key_column_usage kcu
        on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema
      where tc.table_schema = current_schema() and tc.table_name = ${table} and tc.constraint_type = 'PRIMARY KEY'
      order by kcu.ordinal_position`.execute(db)
  ).rows.map((c) => c.name);
  return { table, columns, key: key.length > 0 ? key : columns };
}

/** A different value of the same kind for a column, so that an edit always changes something. */
export function altered(value: unknown, column: string, salt: number): unknown {
  if (Buffer.isBuffer(value)) return randomBytes(value.length || 32);
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) + 1000 + salt;
  if (value === null)
    return column.endsWith('_mac') || column.endsWith('_hash') ? randomBytes(32) : `tampered-${salt}`;
  const text = String(value);
  if (/^-?\d+$/.test(text)) return String(Number(text) + 1000 + salt); // a PostgreSQL bigint
  if (text.startsWith('{') || text.startsWith('[')) return JSON.stringify({ tampered: salt });
  if (column === 'note') return text.replace(/\n(\d+)\n/, (_m, n) => `\n${Number(n) + 1}\n`);
  return `${text.slice(0, -1)}${text.endsWith('x') ? 'y' : 'x'}`;
}

/** The rows a tampering may touch (some rows of a table may be excluded by design, each with its reason). */
export async function candidateRows(
  db: Kysely<Database>,
  shape: TableShape,
  skip: (row: Row) => boolean,
): Promise<Row[]> {
  const order = sql.join(shape.key.map((k) => sql.ref(k)));
  const rows = (await sql<Row>`select * from ${sql.table(shape.table)} order by ${order}`.execute(db)).rows;
  return rows.filter((r) => !skip(r));
}

const where = (shape: TableShape, r: Row) =>
  sql.join(
    shape.key.map((k) => (r[k] === null ? sql`${sql.ref(k)} is null` : sql`${sql.ref(k)} = ${r[k]}`)),
    sql` and `,
  );

/**
 * One single-row change in SQL, as a database administrator with constraints off would make it: an
 * edit of one column (keys included), a deletion, an insertion of a copy under a new key, or a swap
 * of every non-key column between two rows. Returns what was changed, or undefined if nothing was.
 */
export async function tamper(
  trx: Kysely<Database>,
  shape: TableShape,
  rows: readonly Row[],
  op: Op,
  pick: number,
  column: number,
  salt: number,
): Promise<string | undefined> {
  if (rows.length === 0) return undefined;
  const row = rows[pick % rows.length] as Row;
  const t = sql.table(shape.table);
  if (op === 'delete') {
    await sql`delete from ${t} where ${where(shape, row)}`.execute(trx);
    return 'delete';
  }
  if (op === 'insert') {
    const copy = { ...row };
    for (const k of shape.key) copy[k] = altered(copy[k], k, salt + 7);
    const columns = Object.keys(copy);
    await sql`insert into ${t} (${sql.join(columns.map((c) => sql.ref(c)))}) values (${sql.join(columns.map((c) => copy[c]))})`.execute(
      trx,
    );
    return 'insert';
  }
  if (op === 'swap') {
    const other = rows[(pick + 1 + (salt % Math.max(1, rows.length - 1))) % rows.length] as Row;
    const columns = shape.columns.filter((c) => !shape.key.includes(c));
    if (other === row || columns.every((c) => String(row[c]) === String(other[c]))) return undefined;
    const set = (from: Row) => sql.join(columns.map((c) => sql`${sql.ref(c)} = ${from[c]}`));
    await sql`update ${t} set ${set(other)} where ${where(shape, row)}`.execute(trx);
    await sql`update ${t} set ${set(row)} where ${where(shape, other)}`.execute(trx);
    return 'swap';
  }
  const name = shape.columns[column % shape.columns.length] as string;
  await sql`update ${t} set ${sql.ref(name)} = ${altered(row[name], name, salt)} where ${where(shape, row)}`.execute(
    trx,
  );
  return `edit ${name}`;
}

/** Turns the constraints off inside a transaction, as an attacker with full database access would. */
export async function constraintsOff(trx: Kysely<Database>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') await sql`PRAGMA defer_foreign_keys = ON`.execute(trx);
  else await sql`SET LOCAL session_replication_role = replica`.execute(trx);
}
