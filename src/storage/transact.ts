import type { Kysely, Transaction } from 'kysely';
import { appError } from '../core/errors.js';
import { err, type Result } from '../core/result.js';
import { CommitGroup, type Outcome } from './commit-group.js';
import { collectHooks, runHooks } from './commit-hooks.js';
import { sharePlans } from './prepared-query.js';
import type { Database } from './schema.js';
import { keepSchemaDamage, SchemaChanged, schemaDamaged } from './schema-guard.js';
import { withWriteImage } from './write-image.js';

export type Tx = Transaction<Database>;

class Rollback {
  constructor(readonly result: Result<never>) {}
}

const groups = new WeakMap<Kysely<Database>, CommitGroup>();

/** Transactions on this handle share commits when they arrive together (the embedded store). */
export function groupCommits(db: Kysely<Database>): void {
  groups.set(db, new CommitGroup(db, (work) => single(db, work)));
}

/**
 * Runs work in one transaction: a failed result rolls everything back, so a change and its audit event
 * commit together or not at all (21 CFR 11.10(e)). A unique-constraint race becomes CONFLICT. On the
 * embedded store, concurrent units of work share one commit (commit-group.ts), each still atomic.
 */
export async function transact<T>(
  db: Kysely<Database>,
  work: (trx: Tx) => Promise<Result<T>>,
): Promise<Result<T>> {
  const group = groups.get(db);
  const outcome = await (group === undefined ? single(db, work) : group.run(work));
  if ('result' in outcome) return outcome.result as Result<T>;
  if (outcome.thrown instanceof SchemaChanged) {
    keepSchemaDamage(db, outcome.thrown.changes);
    return err(schemaDamaged(outcome.thrown.changes));
  }
  if (isUniqueViolation(outcome.thrown) || isConcurrencyFailure(outcome.thrown)) {
    return err(appError('CONFLICT', 'The change conflicts with a concurrent change; try again.'));
  }
  throw outcome.thrown;
}

async function single(db: Kysely<Database>, work: (trx: Tx) => Promise<Result<unknown>>): Promise<Outcome> {
  let hooks: Array<() => void> = [];
  try {
    const result = await db.transaction().execute(async (trx) => {
      sharePlans(trx, db);
      hooks = collectHooks(trx);
      const result = await withWriteImage(() => work(trx));
      if (!result.ok) throw new Rollback(result);
      return result;
    });
    runHooks(hooks);
    return { result };
  } catch (error) {
    if (error instanceof Rollback) return { result: error.result };
    return { thrown: error };
  }
}

export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * A transaction the database ended because of a concurrent one: a PostgreSQL deadlock (40P01) or
 * serialization failure (40001), SQLite's stale snapshot on its first write (SQLITE_BUSY_SNAPSHOT: a
 * row read inside the transaction was changed by another connection). Nothing was written: CONFLICT.
 */
export function isConcurrencyFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001' || code === 'SQLITE_BUSY_SNAPSHOT';
}
