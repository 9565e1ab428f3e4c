import pg from 'pg';
import type { TestProject } from 'vitest/node';

const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Decides once whether the PostgreSQL tests run. In CI they must: an unreachable server fails the run
 * instead of skipping. Locally they are skipped, and the run says so.
 */
export default async function setup(project: TestProject): Promise<void> {
  const url = process.env.TRIALVAULT_TEST_PG_URL ?? DEFAULT_PG_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    project.provide('pgUrl', url);
  } catch (error) {
    if (process.env.CI === 'true' || process.env.TRIALVAULT_REQUIRE_PG === '1') {
      throw new Error(`PostgreSQL is required in CI but unreachable at ${url}: ${String(error)}`);
    }
    console.warn(`\n[trialvault] PostgreSQL unreachable at ${url}: PostgreSQL tests are SKIPPED.\n`);
    project.provide('pgUrl', '');
  } finally {
    await client.end().catch(() => {});
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}
