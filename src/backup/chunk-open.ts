import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { openChunk } from './chunk-crypto.js';
import type { DirectoryTarget } from './repository.js';
import { workerPlan } from './worker-pool.js';

export type Opened =
  | { ok: true; parts: Uint8Array[] }
  | { ok: false; chunk: string; problem: 'missing' | 'altered' };

const IN_FLIGHT_PER_WORKER = 4;

/**
 * Reads and opens the chunks of a backup in order, on every core (worker threads) when the compiled
 * worker is there; the first missing or altered chunk is named.
 */
export async function openChunks(
  target: DirectoryTarget,
  ids: readonly string[],
  restoreKey: KeyObject,
): Promise<Opened> {
  const plan = workerPlan('chunk-open-worker.js');
  if (plan === undefined || ids.length < 8) return openInline(target, ids, restoreKey);
  const { file, workers } = plan;
  const restoreKeyPem = restoreKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const pool = Array.from(
    { length: workers },
    () => new Worker(file, { workerData: { root: target.root, restoreKeyPem } }),
  );
  const parts: Uint8Array[] = new Array(ids.length);
  try {
    return await new Promise<Opened>((resolve, reject) => {
      let next = 0;
      let done = 0;
      let failed = false;
      const send = (worker: Worker) => {
        if (failed || next >= ids.length) return;
        const index = next++;
        worker.postMessage({ index, id: ids[index] });
      };
      for (const worker of pool) {
        worker.once('error', reject);
        worker.on('message', (m: { index: number; bytes?: Uint8Array; problem?: 'missing' | 'altered' }) => {
          if (failed) return;
          if (m.bytes === undefined) {
            failed = true;
            resolve({ ok: false, chunk: ids[m.index] ?? '', problem: m.problem ?? 'altered' });
            return;
          }
          parts[m.index] = m.bytes;
          done++;
          if (done === ids.length) resolve({ ok: true, parts });
          else send(worker);
        });
        for (let k = 0; k < IN_FLIGHT_PER_WORKER; k++) send(worker);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

function openInline(target: DirectoryTarget, ids: readonly string[], restoreKey: KeyObject): Opened {
  const parts: Uint8Array[] = [];
  for (const id of ids) {
    const sealed = target.getChunk(id);
    if (sealed === null) return { ok: false, chunk: id, problem: 'missing' };
    const plain = openChunk(restoreKey, id, sealed);
    if (plain === null) return { ok: false, chunk: id, problem: 'altered' };
    parts.push(plain);
  }
  return { ok: true, parts };
}
