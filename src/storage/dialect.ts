import { type Kysely, PostgresAdapter } from 'kysely';
import type { Database } from './schema.js';

export const DIALECT_NAMES = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECT_NAMES)[number];

/** True when the handle (the store or one of its transactions) runs on PostgreSQL. */
export function onPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
