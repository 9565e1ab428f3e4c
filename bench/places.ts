import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Dialect } from '../src/storage/dialect.js';
import type { StoreLocation } from '../src/storage/store.js';

export const BENCH_PG_URL =
  process.env.TRIALVAULT_BENCH_PG_URL ??
  process.env.TRIALVAULT_TEST_PG_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

export interface BenchPlace {
  readonly dialect: Dialect;
  readonly location: StoreLocation;
  readonly keyDir: string;
  readonly dir: string;
  cleanup(): Promise<void>;
}

/** The dialects this machine offers: SQLite always, PostgreSQL when it answers. */
export async function benchDialects(): Promise<{ dialects: Dialect[]; skipped: Record<string, string> }> {
  if (process.env.TRIALVAULT_BENCH_DIALECTS === 'sqlite') {
    return { dialects: ['sqlite'], skipped: { postgres: 'TRIALVAULT_BENCH_DIALECTS=sqlite' } };
  }
  const client = new pg.Client({ connectionString: BENCH_PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return { dialects: ['sqlite', 'postgres'], skipped: {} };
  } catch (error) {
    return { dialects: ['sqlite'], skipped: { postgres: `unreachable: ${String(error)}` } };
  }
}

export async function benchPlace(dialect: Dialect): Promise<BenchPlace> {
  const dir = mkdtempSync(join(tmpdir(), 'tv-bench-'));
  const keyDir = join(dir, 'keys');
  if (dialect === 'sqlite') {
    return {
      dialect,
      location: { dialect, file: join(dir, 'trialvault.db') },
      keyDir,
      dir,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `tv_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: BENCH_PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  return {
    dialect,
    location: { dialect, url: BENCH_PG_URL, schema, poolSize: 4 },
    keyDir,
    dir,
    cleanup: async () => {
      const client = new pg.Client({ connectionString: BENCH_PG_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
