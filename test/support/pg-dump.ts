import { execFileSync } from 'node:child_process';
import type { StoreLocation } from '../../src/storage/store.js';

/** The whole schema as pg_dump writes it: what a stolen database dump would show. */
export function pgDump(location: StoreLocation): string {
  if (location.dialect !== 'postgres' || location.schema === undefined)
    throw new Error('not a postgres test store');
  return execFileSync('pg_dump', ['--dbname', location.url, '--schema', location.schema], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
}
