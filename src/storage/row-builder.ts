/** Builds one row object from the values of a raw SQLite row, column by column. */
export type RowBuilder = (values: readonly unknown[]) => Record<string, unknown>;

/** Column names that an object literal would not define as plain own properties. */
const UNSAFE = new Set(['__proto__']);

function keyedBuilder(columns: readonly string[]): RowBuilder {
  return (values) => {
    const row: Record<string, unknown> = {};
    // As better-sqlite3 builds them: a later column of the same name wins.
    for (let i = 0; i < columns.length; i++) {
      Object.defineProperty(row, columns[i] as string, {
        value: values[i],
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return row;
  };
}

/**
 * A builder for rows of these columns (one per prepared statement, built once). V8 turns an object
 * that gets more than a dozen or so properties by computed name into a dictionary: for a record read
 * with its context (45 columns) that cost about 6 us per row to build, and every later property read
 * of the row was a hash lookup. The builder is one object literal over the column names instead, so
 * every row of the statement shares one fast shape (about 0.2 us). The names are the statement's own
 * columns (statement.columns(), our SQL, never input), each written as a JSON string literal; a
 * duplicate name keeps the later value, as the literal does; a name an object literal would treat
 * specially falls back to defining properties one by one.
 */
export function rowBuilder(columns: readonly string[]): RowBuilder {
  if (columns.some((c) => UNSAFE.has(c))) return keyedBuilder(columns);
  const fields = columns.map((c, i) => `${JSON.stringify(c)}: v[${i}]`).join(', ');
  // A literal over our own column names (see above), compiled once per statement.
  return new Function('v', `return { ${fields} };`) as RowBuilder;
}
