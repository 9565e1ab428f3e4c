import type SqliteDatabase from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
} from 'kysely';
import { currentTick, tagRead } from './read-tick.js';

const STATEMENT_CACHE = 500;

/** A connection's prepared statements, by SQL text, bounded (the oldest go first). */
export class StatementCache {
  readonly #statements = new Map<string, SqliteDatabase.Statement>();

  constructor(readonly sqlite: SqliteDatabase.Database) {}

  get(source: string): SqliteDatabase.Statement {
    let statement = this.#statements.get(source);
    if (statement === undefined) {
      statement = this.sqlite.prepare(source);
      if (this.#statements.size >= STATEMENT_CACHE) {
        const oldest = this.#statements.keys().next().value;
        if (oldest !== undefined) this.#statements.delete(oldest);
      }
      this.#statements.set(source, statement);
    }
    return statement;
  }
}

/** The readers with a shared read transaction open, in this process (every store). */
const openReads = new Set<SharedRead>();
/** A bound on one shared read transaction, so a long chain of reads still lets checkpoints through. */
const MAX_SHARED_READS = 64;

/**
 * The reads made while one callback's promise chain runs (a request's access epoch, then its record)
 * share one read transaction on the read-only connection. A statement run alone is a transaction of
 * its own, and taking and dropping its locks (on the file and on the WAL index: system calls) costs
 * more than a point query on a primary key.
 * What is committed before a read is still seen by it:
 * - the shared transaction ends once the microtasks queued with it have run (process.nextTick from a
 *   microtask runs after the whole queue): the next request, the next timer, the next I/O callback
 *   begins a new one, so a change committed by another process before it is seen, as before;
 * - every statement on a main connection of this process (any store) ends every shared transaction
 *   first, so a change made here is seen by every read after it, and no commit's checkpoint waits
 *   for this process's readers (as before: better-sqlite3 is synchronous).
 * So a request reads one consistent state, taken during the request, never an older one.
 */
export class SharedRead {
  #open = false;
  #reads = 0;
  /** The data version read in the open transaction (one snapshot: it cannot change before `end`). */
  #version: number | undefined;
  readonly #begin: SqliteDatabase.Statement;
  readonly #commit: SqliteDatabase.Statement;
  readonly #dataVersion: SqliteDatabase.Statement;

  constructor(readonly reader: StatementCache) {
    this.#begin = reader.sqlite.prepare('begin');
    this.#commit = reader.sqlite.prepare('commit');
    this.#dataVersion = reader.sqlite.prepare('pragma data_version').pluck(true);
  }

  /**
   * SQLite's data version on the reader: it changes whenever any other connection (this process's
   * writer, a CLI command, someone with the sqlite3 shell) has committed to the file since the reader
   * last looked, and only then. Read once per shared transaction.
   */
  dataVersion(): number {
    if (this.#open && this.#version !== undefined) return this.#version;
    const value = Number(this.all(this.#dataVersion, [])[0]);
    this.#version = value;
    return value;
  }

  all(statement: SqliteDatabase.Statement, parameters: readonly unknown[]): unknown[] {
    if (this.#reads >= MAX_SHARED_READS) this.end();
    if (!this.#open) {
      this.#begin.run();
      this.#open = true;
      openReads.add(this);
      queueMicrotask(() => process.nextTick(() => this.end()));
    }
    this.#reads++;
    return statement.all(parameters);
  }

  end(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#reads = 0;
    this.#version = undefined;
    openReads.delete(this);
    if (this.reader.sqlite.inTransaction) this.#commit.run();
  }

  /** Before any statement on a main connection (see above). */
  static endAll(): void {
    for (const read of openReads) read.end();
  }
}

function run<R>(statements: StatementCache, query: CompiledQuery, shared?: SharedRead): QueryResult<R> {
  const statement = statements.get(query.sql);
  if (statement.reader) {
    const tick = currentTick();
    const rows = (
      shared === undefined ? statement.all(query.parameters) : shared.all(statement, query.parameters)
    ) as R[];
    tagRead(rows, tick);
    return { rows };
  }
  const { changes, lastInsertRowid } = statement.run(query.parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/** One writer at a time on the main connection, in arrival order. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  lock(): Promise<() => void> {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const acquired = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => held);
    return acquired;
  }
}

class RoutedConnection implements DatabaseConnection {
  /** Set while this connection runs a transaction: the main connection is then its alone. */
  release: (() => void) | undefined;

  constructor(private readonly driver: RoutingDriver) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { main, reader, shared, mutex } = this.driver;
    if (this.release !== undefined) return this.driver.onMain(() => run<R>(main, query));
    // Outside a transaction, a statement that only reads runs on the read-only connection at once:
    // it sees what is committed and never waits behind another request's transaction.
    // (Only statements that return rows: BEGIN and `PRAGMA x = y` also count as read-only.)
    const onReader = reader.get(query.sql);
    if (onReader.readonly && onReader.reader) return run<R>(reader, query, shared);
    const release = await mutex.lock();
    try {
      return this.driver.onMain(() => run<R>(main, query));
    } finally {
      release();
    }
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered; the error says so.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on the embedded store');
  }
}

/**
 * Kysely's SQLite driver runs every statement on one connection behind one lock, so a read waits for
 * any transaction in progress (an import, a batch of writes) to finish. This one keeps the main
 * connection for transactions and writes, one at a time, and runs every read-only statement issued
 * outside a transaction on a second, read-only connection (WAL readers never block the writer nor
 * wait for it). Reads inside a transaction stay on the main connection and see its changes.
 */
class RoutingDriver implements Driver {
  readonly mutex = new Mutex();

  constructor(
    readonly main: StatementCache,
    readonly reader: StatementCache,
    readonly shared: SharedRead,
  ) {}

  /** Every statement on a main connection: the readers' shared transactions end first (SharedRead). */
  onMain<T>(statement: () => T): T {
    SharedRead.endAll();
    return statement();
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoutedConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const routed = connection as RoutedConnection;
    routed.release = await this.mutex.lock();
    try {
      this.onMain(() => this.main.sqlite.exec('begin'));
    } catch (error) {
      this.#end(routed);
      throw error;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // A failed commit leaves the transaction open: Kysely rolls it back, which ends it.
    this.onMain(() => this.main.sqlite.exec('commit'));
    this.#end(connection as RoutedConnection);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      if (this.main.sqlite.inTransaction) this.onMain(() => this.main.sqlite.exec('rollback'));
    } finally {
      this.#end(connection as RoutedConnection);
    }
  }

  #end(connection: RoutedConnection): void {
    const release = connection.release;
    connection.release = undefined;
    release?.();
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    this.shared.end();
    this.reader.sqlite.close();
    this.main.sqlite.close();
  }
}

/** Kysely's SQLite dialect (compiler, adapter, introspection) over the routing driver. */
export class RoutingSqliteDialect extends SqliteDialect {
  constructor(
    private readonly main: StatementCache,
    private readonly shared: SharedRead,
  ) {
    super({ database: main.sqlite });
  }

  override createDriver(): Driver {
    return new RoutingDriver(this.main, this.shared.reader, this.shared);
  }
}
