import { createPublicKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { chunkId, sealChunk } from './chunk-crypto.js';
import { DirectoryTarget } from './repository.js';

/**
 * A sealing worker: names, deduplicates, compresses, encrypts and writes chunks so that both cores
 * work during a backup. It holds the public key and the id key only, like the server itself.
 */
const { root, publicKeyPem, idKey } = workerData as { root: string; publicKeyPem: string; idKey: Uint8Array };
const target = new DirectoryTarget(root);
const recipient = createPublicKey(publicKeyPem);
const key = Buffer.from(idKey);

parentPort?.on('message', (message: { index: number; chunk: Uint8Array }) => {
  const id = chunkId(key, message.chunk);
  let stored = 0;
  if (!target.hasChunk(id)) {
    const sealed = sealChunk(recipient, id, message.chunk);
    if (target.putChunk(id, sealed)) stored = sealed.length;
  }
  parentPort?.postMessage({ index: message.index, id, stored });
});
