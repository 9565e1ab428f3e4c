/** Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters at up to 13 columns a row. */
export const INSERT_CHUNK = 200;
