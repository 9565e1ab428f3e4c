import { createCipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newBackupKeyPair } from './chunk-crypto.js';
import { chunks } from './chunker.js';

// The worker pools run only from the compiled build (npm test builds first): these tests load it.
const built = join(process.cwd(), 'dist', 'src', 'backup');
const ready = existsSync(join(built, 'chunk-open-worker.js'));

describe.skipIf(!ready)('backup worker pools (compiled build)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-pool-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('seal on every core and stream back in the snapshot order; an altered chunk stops the stream', async () => {
    const { storeChunks } = await import(join(built, 'chunk-store.js'));
    const { openChunks } = await import(join(built, 'chunk-open.js'));
    const { DirectoryTarget } = await import(join(built, 'repository.js'));
    const target = new DirectoryTarget(join(dir, 'target'));
    target.prepare({ format: 'test' });
    const { publicKey, privateKey } = newBackupKeyPair();
    // Random bytes interleaved with compressible runs: chunks of many sizes, opened at uneven speeds.
    const snapshot = Buffer.concat(
      Array.from({ length: 32 }, (_, i) =>
        // A fixed keystream, not randomBytes: the same chunk count on every run.
        i % 2 === 0
          ? createCipheriv('aes-256-ctr', Buffer.alloc(32, i), Buffer.alloc(16)).update(Buffer.alloc(250_000))
          : Buffer.alloc(50_000, i),
      ),
    );
    const stored = await storeChunks(chunks(snapshot), target, publicKey, randomBytes(32));
    const expected = [...chunks(snapshot)].length;
    expect(stored.ids).toHaveLength(expected);
    expect(expected).toBeGreaterThan(8);

    const parts: Buffer[] = [];
    const opened = await openChunks(target, stored.ids, privateKey, (p: Uint8Array) =>
      parts.push(Buffer.from(p)),
    );
    expect(opened).toEqual({ ok: true });
    expect(Buffer.concat(parts).equals(snapshot)).toBe(true);

    const victim = stored.ids[5] as string;
    const file = join(target.root, 'chunks', victim.slice(0, 2), victim);
    chmodSync(file, 0o600);
    const altered = readFileSync(file);
    altered[60] = (altered[60] as number) ^ 0x40;
    writeFileSync(file, altered);
    const received: Buffer[] = [];
    const refused = await openChunks(target, stored.ids, privateKey, (p: Uint8Array) =>
      received.push(Buffer.from(p)),
    );
    expect(refused).toEqual({ ok: false, chunk: victim, problem: 'altered' });
    // Whatever reached the sink is the snapshot's beginning, in order, and stops before the victim.
    expect(received.length).toBeLessThanOrEqual(5);
    expect(snapshot.subarray(0, Buffer.concat(received).length).equals(Buffer.concat(received))).toBe(true);
  });
});
