import { createPrivateKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { openChunk } from './chunk-crypto.js';
import { DirectoryTarget } from './repository.js';

/** An opening worker: reads, decrypts and decompresses chunks for a restore or a verify. */
const { root, restoreKeyPem } = workerData as { root: string; restoreKeyPem: string };
const target = new DirectoryTarget(root);
const restoreKey = createPrivateKey(restoreKeyPem);

parentPort?.on('message', (message: { index: number; id: string }) => {
  const sealed = target.getChunk(message.id);
  const plain = sealed === null ? null : openChunk(restoreKey, message.id, sealed);
  const problem = sealed === null ? 'missing' : plain === null ? 'altered' : undefined;
  if (plain === null) {
    parentPort?.postMessage({ index: message.index, problem });
    return;
  }
  const copy = new Uint8Array(plain);
  parentPort?.postMessage({ index: message.index, bytes: copy }, [copy.buffer]);
});
