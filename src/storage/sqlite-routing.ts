import type SqliteDatabase from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
} from 'kysely';

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

function run<R>(statements: StatementCache, query: CompiledQuery): QueryResult<R> {
  const statement = statements.get(query.sql);
  if (statement.reader) return { rows: statement.all(query.parameters) as R[] };
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
    const { main, reader, mutex } = this.driver;
    if (this.release !== undefined) return run<R>(main, query);
    // Outside a transaction, a statement that only reads runs on the read-only connection at once:
    // it sees what is committed and never waits behind another request's transaction.
    // (Only statements that return rows: BEGIN and `PRAGMA x = y` also count as read-only.)
    const onReader = reader.get(query.sql);
    if (onReader.readonly && onReader.reader) return run<R>(reader, query);
    const release = await mutex.lock();
    try {
      return run<R>(main, query);
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
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoutedConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const routed = connection as RoutedConnection;
    routed.release = await this.mutex.lock();
    try {
      this.main.sqlite.exec('begin');
    } catch (error) {
      this.#end(routed);
      throw error;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // A failed commit leaves the transaction open: Kysely rolls it back, which ends it.
    this.main.sqlite.exec('commit');
    this.#end(connection as RoutedConnection);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      if (this.main.sqlite.inTransaction) this.main.sqlite.exec('rollback');
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
    this.reader.sqlite.close();
    this.main.sqlite.close();
  }
}

/** Kysely's SQLite dialect (compiler, adapter, introspection) over the routing driver. */
export class RoutingSqliteDialect extends SqliteDialect {
  constructor(
    private readonly main: StatementCache,
    private readonly reader: StatementCache,
  ) {
    super({ database: main.sqlite });
  }

  override createDriver(): Driver {
    return new RoutingDriver(this.main, this.reader);
  }
}
