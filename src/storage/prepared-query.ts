import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.js';

/** A synchronous read-only connection beside a store's Kysely handle (the embedded store has one). */
export interface SqliteReader {
  all(sql: string, parameters: readonly unknown[]): unknown[];
  /** SQLite's `data_version` on the reader (sqlite-routing.ts, SharedRead). */
  dataVersion(): number;
}

const readers = new WeakMap<Kysely<Database>, SqliteReader>();

/**
 * Prepared queries on this handle run on the reader. Only the store's root handle gets one: a
 * transaction is another handle, and its reads go through it, so they see its own changes.
 */
export function attachReader(db: Kysely<Database>, reader: SqliteReader): void {
  readers.set(db, reader);
}

/**
 * A number that changes whenever anyone has committed to the store since it was last read, whoever
 * committed (this process, another one, someone with SQL); undefined when the store cannot say
 * (PostgreSQL, a transaction's handle). Read before the state it vouches for, so a commit between the
 * two only makes a caller read again: what is derived from the store under one value (the access epoch,
 * the ledger's top) is reused while the value stays the same.
 */
export function commitVersion(db: Kysely<Database>): number | undefined {
  return readers.get(db)?.dataVersion();
}

const planOwners = new WeakMap<Kysely<Database>, Kysely<Database>>();

/**
 * A transaction opened on `root` compiles every query as `root` does (the same dialect compiler and
 * plugins: Kysely copies them into the transaction), so prepared queries reuse root's plans in it
 * instead of building and compiling them again in every transaction (issue #17, `bench -- core`).
 * Only what transact() and the commit group open is registered.
 */
export function sharePlans(trx: Kysely<Database>, root: Kysely<Database>): void {
  planOwners.set(trx, planOwners.get(root) ?? root);
}

/** The handle whose plans `db` uses: itself, or the store a transaction was opened on. */
export function planOwner(db: Kysely<Database>): Kysely<Database> {
  return planOwners.get(db) ?? db;
}

/** Stands in for a parameter while the query is built; found again among the compiled parameters. */
export class Slot {
  constructor(readonly index: number) {}
}

export interface Plan {
  readonly compiled: CompiledQuery;
  /** For each compiled parameter: the index of the caller's parameter, or -1 for a constant. */
  readonly sources: readonly number[];
}

/**
 * The plan of a query built with `count` slots. A slot that did not become a bound value (used in a
 * list, or not at all) is a bug in the build.
 */
export function planOf(compiled: CompiledQuery, count: number, what: string): Plan {
  const sources = compiled.parameters.map((value) => (value instanceof Slot ? value.index : -1));
  const bound = new Set(sources);
  for (let i = 0; i < count; i++) {
    if (!bound.has(i)) throw new Error(`${what}: parameter ${i} is not bound`);
  }
  return { compiled, sources };
}

/** The plan's query with `values` in its slots (constants stay as built). */
export function withValues(plan: Plan, values: readonly unknown[]): CompiledQuery {
  const { compiled, sources } = plan;
  const parameters = sources.map((source, i) => (source < 0 ? compiled.parameters[i] : values[source]));
  return { ...compiled, parameters };
}

/**
 * A query built and compiled once per database handle, then run with new parameter values. Building a
 * Kysely query with joins costs several times what SQLite takes to answer it, so the hot read paths
 * (the access epoch on every request, a record with its current version) build theirs once. The SQL is
 * still Kysely's, for either dialect, and every value is still a bound parameter, never spliced in.
 */
export class PreparedQuery<P extends readonly unknown[], R> {
  readonly #plans = new WeakMap<Kysely<Database>, Plan>();

  constructor(
    private readonly arity: P['length'],
    private readonly build: (db: Kysely<Database>, ...params: P) => Compilable<R>,
    /** A statement that writes: it always runs on `db` itself, never on the root handle's reader. */
    private readonly writes = false,
  ) {}

  #plan(db: Kysely<Database>): Plan {
    const owner = planOwner(db);
    let plan = this.#plans.get(owner);
    if (plan !== undefined) return plan;
    const slots = Array.from({ length: this.arity }, (_, i) => new Slot(i)) as unknown as P;
    plan = planOf(this.build(db, ...slots).compile(), this.arity, 'prepared query');
    this.#plans.set(owner, plan);
    return plan;
  }

  async execute(db: Kysely<Database>, ...params: P): Promise<R[]> {
    const query = withValues(this.#plan(db), params);
    const reader = this.writes ? undefined : readers.get(db);
    if (reader !== undefined) return reader.all(query.sql, query.parameters) as R[];
    const result = await db.executeQuery<R>(query);
    return result.rows;
  }

  async first(db: Kysely<Database>, ...params: P): Promise<R | undefined> {
    return (await this.execute(db, ...params))[0];
  }
}
