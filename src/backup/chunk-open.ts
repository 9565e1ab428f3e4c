import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { openChunk } from './chunk-crypto.js';
import type { DirectoryTarget } from './repository.js';
import { workerPlan } from './worker-pool.js';

export type Opened = { ok: true } | { ok: false; chunk: string; problem: 'missing' | 'altered' };

/** Receives the opened chunks one by one, in the snapshot's order. */
export type ChunkSink = (plain: Uint8Array) => void;

/** Chunks in flight per worker: enough to keep every core busy, few enough to bound memory. */
const IN_FLIGHT_PER_WORKER = 4;

/**
 * Reads and opens the chunks of a backup, on every core (worker threads) when the compiled worker is
 * there, and hands them to `sink` in order as soon as each one's predecessors have gone: the snapshot
 * streams to its file and is never held whole in memory. The first missing or altered chunk is named.
 */
export async function openChunks(
  target: DirectoryTarget,
  ids: readonly string[],
  restoreKey: KeyObject,
  sink: ChunkSink,
): Promise<Opened> {
  const plan = workerPlan('chunk-open-worker.js');
  if (plan === undefined || ids.length < 8) return openInline(target, ids, restoreKey, sink);
  const { file, workers } = plan;
  const restoreKeyPem = restoreKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const pool = Array.from(
    { length: workers },
    () => new Worker(file, { workerData: { root: target.root, restoreKeyPem } }),
  );
  // Opened out of order, waiting for their predecessors (at most the chunks in flight).
  const waiting = new Map<number, Uint8Array>();
  try {
    return await new Promise<Opened>((resolve, reject) => {
      let next = 0;
      let written = 0;
      let failed = false;
      const fail = (result: Opened | Error) => {
        failed = true;
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const send = (worker: Worker) => {
        if (failed || next >= ids.length) return;
        const index = next++;
        worker.postMessage({ index, id: ids[index] });
      };
      for (const worker of pool) {
        worker.once('error', fail);
        worker.on('message', (m: { index: number; bytes?: Uint8Array; problem?: 'missing' | 'altered' }) => {
          if (failed) return;
          if (m.bytes === undefined) {
            fail({ ok: false, chunk: ids[m.index] ?? '', problem: m.problem ?? 'altered' });
            return;
          }
          waiting.set(m.index, m.bytes);
          try {
            for (let part = waiting.get(written); part !== undefined; part = waiting.get(written)) {
              waiting.delete(written);
              sink(part);
              written++;
            }
          } catch (error) {
            fail(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          if (written === ids.length) resolve({ ok: true });
          else send(worker);
        });
        for (let k = 0; k < IN_FLIGHT_PER_WORKER; k++) send(worker);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

function openInline(
  target: DirectoryTarget,
  ids: readonly string[],
  restoreKey: KeyObject,
  sink: ChunkSink,
): Opened {
  for (const id of ids) {
    const sealed = target.getChunk(id);
    if (sealed === null) return { ok: false, chunk: id, problem: 'missing' };
    const plain = openChunk(restoreKey, id, sealed);
    if (plain === null) return { ok: false, chunk: id, problem: 'altered' };
    sink(plain);
  }
  return { ok: true };
}
