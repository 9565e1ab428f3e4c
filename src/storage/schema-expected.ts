import type { Dialect } from './dialect.js';
import { EXPECTED_POSTGRES } from './schema-expected-postgres.js';
import { EXPECTED_SQLITE } from './schema-expected-sqlite.js';

/** What the migrations create, per dialect (generated files; see schema-expected.int.test.ts). */
export const EXPECTED_SCHEMA: Readonly<Record<Dialect, Readonly<Record<string, string>>>> = {
  sqlite: EXPECTED_SQLITE,
  postgres: EXPECTED_POSTGRES,
};
