import { createHash, type KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { chunkId, sealChunk } from './chunk-crypto.js';
import type { DirectoryTarget } from './repository.js';
import { workerPlan } from './worker-pool.js';

export interface Stored {
  readonly ids: string[];
  readonly newChunks: number;
  readonly storedBytes: number;
  /** The snapshot's size in bytes. */
  readonly bytes: number;
  /** SHA-256 of the whole snapshot, taken chunk by chunk while the workers seal. */
  readonly sha256: string;
}

/** Chunks in flight per worker: enough to keep both busy, few enough to bound memory (~1 MiB each). */
const IN_FLIGHT_PER_WORKER = 4;

/**
 * Stores each chunk of the snapshot not already in the target, taking the chunks as they are cut (the
 * snapshot need not be in memory). With more than one core, worker threads seal and write while this
 * thread reads, cuts and hashes; the order of `ids` is the snapshot's whatever order workers finish in.
 */
export async function storeChunks(
  snapshot: Iterable<Uint8Array>,
  target: DirectoryTarget,
  publicKey: KeyObject,
  idKey: Buffer,
): Promise<Stored> {
  const plan = workerPlan('chunk-store-worker.js');
  if (plan === undefined) return storeInline(snapshot, target, publicKey, idKey);
  const { file, workers } = plan;
  const pool = Array.from(
    { length: workers },
    () =>
      new Worker(file, {
        workerData: {
          root: target.root,
          publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
          idKey: Uint8Array.from(idKey),
        },
      }),
  );
  const ids: string[] = [];
  let newChunks = 0;
  let storedBytes = 0;
  let bytes = 0;
  const hash = createHash('sha256');
  try {
    const results = pool.map(() => new Map<number, (r: { id: string; stored: number }) => void>());
    for (const [w, worker] of pool.entries()) {
      worker.on('message', (r: { index: number; id: string; stored: number }) => {
        results[w]?.get(r.index)?.(r);
        results[w]?.delete(r.index);
      });
    }
    const failure = new Promise<never>((_, reject) => {
      for (const worker of pool) worker.once('error', reject);
    });
    const pending = new Set<Promise<void>>();
    let index = 0;
    for (const chunk of snapshot) {
      hash.update(chunk);
      bytes += chunk.length;
      const i = index++;
      const w = i % pool.length;
      const done = new Promise<void>((resolve) => {
        results[w]?.set(i, (r) => {
          ids[i] = r.id;
          if (r.stored > 0) {
            newChunks++;
            storedBytes += r.stored;
          }
          resolve();
        });
      });
      // A view would clone (or, transferred, detach) the whole snapshot buffer: post a copy of the
      // chunk alone. Not slice(): on a Buffer it is a view too.
      const own = new Uint8Array(chunk);
      (pool[w] as Worker).postMessage({ index: i, chunk: own }, [own.buffer]);
      const tracked = done.then(() => {
        pending.delete(tracked);
      });
      pending.add(tracked);
      if (pending.size >= pool.length * IN_FLIGHT_PER_WORKER) await Promise.race([...pending, failure]);
    }
    await Promise.race([Promise.all(pending), failure]);
    return { ids, newChunks, storedBytes, bytes, sha256: hash.digest('hex') };
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

function storeInline(
  snapshot: Iterable<Uint8Array>,
  target: DirectoryTarget,
  publicKey: KeyObject,
  idKey: Buffer,
): Stored {
  const ids: string[] = [];
  let newChunks = 0;
  let storedBytes = 0;
  let bytes = 0;
  const hash = createHash('sha256');
  for (const chunk of snapshot) {
    hash.update(chunk);
    bytes += chunk.length;
    const id = chunkId(idKey, chunk);
    ids.push(id);
    if (!target.hasChunk(id)) {
      const sealed = sealChunk(publicKey, id, chunk);
      if (target.putChunk(id, sealed)) {
        newChunks++;
        storedBytes += sealed.length;
      }
    }
  }
  return { ids, newChunks, storedBytes, bytes, sha256: hash.digest('hex') };
}
