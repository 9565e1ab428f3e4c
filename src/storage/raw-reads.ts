import type SqliteDatabase from 'better-sqlite3';
import { currentTick, tagRead } from './read-tick.js';
import type { SharedRead } from './sqlite-routing.js';

/**
 * The prepared hot reads (prepared-query.ts), in raw mode: better-sqlite3 answers arrays and the rows
 * are built here from the column names, which costs less than a row object built through the native
 * API (for a record with its context, about as much as the lookup itself). Their own statements,
 * apart from the cache whose statements answer objects; one per prepared query, so a fixed few.
 */
export class RawReads {
  readonly #plans = new Map<string, { statement: SqliteDatabase.Statement; columns: string[] }>();
  readonly #schemaVersion: SqliteDatabase.Statement;
  /** The data version under which the schema was last checked, and the schema version seen then. */
  #checkedAt: number | undefined;
  #schema: number | undefined;

  constructor(private readonly shared: SharedRead) {
    this.#schemaVersion = shared.reader.sqlite.prepare('pragma schema_version').pluck(true);
  }

  /**
   * The column names are kept from a statement's first prepare, and SQLite silently prepares it again
   * after a schema change: a column a database administrator adds under a running server would shift
   * every name after `table.*`, so a value of theirs came under the name of a joined column (review
   * s11, S11-9). A schema change is a commit, so while the data version is unchanged the schema is
   * too; once it moves, the schema version is read, and on a change every plan is prepared afresh.
   */
  #sameSchema(): void {
    const version = this.shared.dataVersion();
    if (version === this.#checkedAt) return;
    const schema = Number(this.shared.all(this.#schemaVersion, [])[0]);
    if (schema !== this.#schema) this.#plans.clear();
    this.#schema = schema;
    this.#checkedAt = version;
  }

  all(source: string, parameters: readonly unknown[]): Record<string, unknown>[] {
    this.#sameSchema();
    let plan = this.#plans.get(source);
    if (plan === undefined) {
      const statement = this.shared.reader.sqlite.prepare(source).raw(true);
      plan = { statement, columns: statement.columns().map((c) => c.name) };
      this.#plans.set(source, plan);
    }
    const { statement, columns } = plan;
    const tick = currentTick();
    const rows = this.shared.all(statement, parameters) as unknown[][];
    const out: Record<string, unknown>[] = [];
    for (const values of rows) {
      // Never a row built under names that are not its own.
      if (values.length !== columns.length) throw new Error('a prepared read changed shape under the server');
      // As better-sqlite3 builds them: a later column of the same name wins. (Built by name, not by a
      // generated literal: nothing in src/ evaluates code, forms/logic/logic.property.test.ts.)
      const row: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) {
        const name = columns[i] as string;
        // A column a database administrator named `__proto__` is data, never the row's prototype.
        if (name === '__proto__') Object.defineProperty(row, name, { value: values[i], enumerable: true });
        else row[name] = values[i];
      }
      out.push(row);
    }
    tagRead(out, tick);
    return out;
  }
}
