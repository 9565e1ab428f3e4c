import { type Kysely, sql, type Transaction } from 'kysely';
import type { Result } from '../core/result.js';
import { collectHooks, runHooks } from './commit-hooks.js';
import { sharePlans } from './prepared-query.js';
import type { Database } from './schema.js';
import { withWriteImage } from './write-image.js';

type Work = (trx: Transaction<Database>) => Promise<Result<unknown>>;

/** What one unit of work came to: its result, or what it threw. */
export type Outcome = { readonly result: Result<unknown> } | { readonly thrown: unknown };

interface Unit {
  readonly work: Work;
  readonly settle: (outcome: Outcome) => void;
}

/** At most this many units share one commit: a bound on how long the first of them waits. */
const MAX_UNITS = 64;

/**
 * Group commit for the embedded store. SQLite has one writer, and every commit waits for its fsync
 * (synchronous=FULL); the transactions asked for during one event-loop turn (or while a batch runs)
 * are run together on the next, one after another inside one transaction, each in its own savepoint,
 * and committed with one fsync.
 * Each unit is still all or nothing: a unit that fails or throws is rolled back to its savepoint
 * alone, and the others go on. Nobody is answered before the shared commit is durable; if that commit
 * fails, no unit of the batch is stored and every one that had succeeded gets the commit's error.
 * A lone transaction runs as it always did (`single`).
 */
export class CommitGroup {
  readonly #queue: Unit[] = [];
  #running = false;
  #scheduled = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly single: (work: Work) => Promise<Outcome>,
  ) {}

  run(work: Work): Promise<Outcome> {
    return new Promise((settle) => {
      this.#queue.push({ work, settle });
      // better-sqlite3 answers synchronously, so a transaction ends within the event-loop turn that
      // began it and two would never overlap: the start waits for the end of this turn, and every
      // transaction asked for by the requests read in the same turn joins the batch.
      if (!this.#running && !this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          void this.#drain();
        });
      }
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_UNITS);
        const [first] = batch;
        if (batch.length === 1 && first !== undefined) first.settle(await this.single(first.work));
        else await this.#together(batch);
      }
    } finally {
      this.#running = false;
    }
  }

  async #together(batch: readonly Unit[]): Promise<void> {
    const outcomes: Outcome[] = [];
    const committed: Array<() => void> = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        sharePlans(trx, this.db);
        for (const unit of batch) {
          await sql`savepoint tv_unit`.execute(trx);
          let outcome: Outcome;
          const hooks = collectHooks(trx);
          try {
            outcome = { result: await withWriteImage(() => unit.work(trx)) };
          } catch (thrown) {
            outcome = { thrown };
          }
          if ('result' in outcome && outcome.result.ok) {
            await sql`release savepoint tv_unit`.execute(trx);
            committed.push(...hooks);
          } else {
            await sql`rollback to savepoint tv_unit`.execute(trx);
            await sql`release savepoint tv_unit`.execute(trx);
          }
          outcomes.push(outcome);
        }
      });
      runHooks(committed);
    } catch (thrown) {
      // The shared commit (or a savepoint) failed: nothing of the batch is stored.
      for (let i = 0; i < batch.length; i++) {
        const outcome = outcomes[i];
        if (outcome === undefined || ('result' in outcome && outcome.result.ok)) outcomes[i] = { thrown };
      }
    }
    for (const [i, unit] of batch.entries())
      unit.settle(outcomes[i] ?? { thrown: new Error('unit not run') });
  }
}
