import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * The compiled worker script beside these modules, and how many workers to start; none when the
 * sources run untranspiled (tests) or there is a single core: callers then do the work inline.
 */
export function workerPlan(script: string): { file: string; workers: number } | undefined {
  const file = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const workers = Math.min(4, availableParallelism());
  if (!import.meta.url.endsWith('.js') || !existsSync(file) || workers < 2) return undefined;
  return { file, workers };
}
