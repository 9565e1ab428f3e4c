import type { Kysely, Transaction } from 'kysely';
import { appError } from '../core/errors.js';
import { err, type Result } from '../core/result.js';
import type { Database } from './schema.js';

export type Tx = Transaction<Database>;

class Rollback {
  constructor(readonly result: Result<never>) {}
}

/**
 * Runs work in one transaction: a failed result rolls everything back, so a change and its audit event
 * commit together or not at all (21 CFR 11.10(e)). A unique-constraint race becomes CONFLICT.
 */
export async function transact<T>(
  db: Kysely<Database>,
  work: (trx: Tx) => Promise<Result<T>>,
): Promise<Result<T>> {
  try {
    return await db.transaction().execute(async (trx) => {
      const result = await work(trx);
      if (!result.ok) throw new Rollback(result);
      return result;
    });
  } catch (error) {
    if (error instanceof Rollback) return error.result;
    if (isUniqueViolation(error)) {
      return err(appError('CONFLICT', 'The change conflicts with a concurrent change; try again.'));
    }
    throw error;
  }
}

export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
