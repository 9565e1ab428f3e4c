import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import type { Env } from '../../src/config/settings.js';
import type { TestPlace } from './stores.js';

/** The CLI's environment for a test place (the SQLite store goes in `<dir>/data`). */
export function envFor(place: TestPlace): Env {
  const location = place.location;
  return {
    TRIALVAULT_DATA_DIR: join(place.dir, 'data'),
    TRIALVAULT_KEY_DIR: place.keyDir,
    ...(location.dialect === 'postgres'
      ? {
          TRIALVAULT_DB_URL: `${location.url}?options=${encodeURIComponent(`-c search_path=${location.schema}`)}`,
        }
      : {}),
  };
}

/** Runs the CLI in-process and collects its output and exit code. */
export async function cli(env: Env, ...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) }, env);
  return { code, out, err };
}
