import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../../src/storage/dialect.js';
import type { Database } from '../../src/storage/schema.js';

/**
 * Every table the store's schema holds, read from the database itself (sqlite_master, or
 * information_schema for the store's PostgreSQL schema), migration bookkeeping included: what a
 * database administrator sees, not what the code declares.
 */
export async function schemaTables(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  const rows =
    dialect === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\'`.execute(
          db,
        )
      : await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(
          db,
        );
  return rows.rows.map((r) => r.name).sort();
}

/** The number of rows of each table. */
export async function rowCounts(
  db: Kysely<Database>,
  tables: readonly string[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = (await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db))
      .rows[0];
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}
