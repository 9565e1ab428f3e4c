import { run } from '../../src/cli/operator-process.js';
import type { TestPlace } from './stores.js';

/**
 * The built `trialvault` as a separate process on a test place (its SQLite file, or its PostgreSQL
 * schema), with no TRIALVAULT_* setting of this process. Build first: npm run build.
 */
export function runBuiltCli(place: TestPlace, ...argv: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, TRIALVAULT_LOG_LEVEL: 'warn' };
  for (const k of Object.keys(env))
    if (k.startsWith('TRIALVAULT_') && k !== 'TRIALVAULT_LOG_LEVEL') delete env[k];
  env.TRIALVAULT_KEY_DIR = place.keyDir;
  const location = place.location;
  if (location.dialect === 'sqlite') env.TRIALVAULT_DATA_DIR = place.dir;
  else
    env.TRIALVAULT_DB_URL = `${location.url}?options=${encodeURIComponent(`-c search_path=${location.schema}`)}`;
  return run(env, ...argv);
}
