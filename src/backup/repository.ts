import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A directory backup target, write-once: files are created with O_EXCL and made read-only, and
 * nothing that exists is ever overwritten or deleted by `create` (only `prune`, with the offline
 * credential). Put it on another host or account (docs/backup.md) so the server cannot delete it.
 */
export class DirectoryTarget {
  constructor(readonly root: string) {}

  /** Chunk directories this process made or found already (one mkdir each, not one per chunk). */
  readonly #prefixes = new Set<string>();

  prepare(repo: Record<string, unknown>): void {
    mkdirSync(join(this.root, 'chunks'), { recursive: true });
    mkdirSync(join(this.root, 'manifests'), { recursive: true });
    const path = join(this.root, 'repo.json');
    if (!existsSync(path)) this.#writeOnce(path, Buffer.from(`${JSON.stringify(repo, null, 2)}\n`));
  }

  exists(): boolean {
    return existsSync(join(this.root, 'repo.json'));
  }

  #chunkPath(id: string): string {
    return join(this.root, 'chunks', id.slice(0, 2), id);
  }

  hasChunk(id: string): boolean {
    return existsSync(this.#chunkPath(id));
  }

  /** Writes a chunk unless one with its id exists (deduplication); never overwrites. */
  putChunk(id: string, data: Buffer): boolean {
    const path = this.#chunkPath(id);
    if (existsSync(path)) return false;
    const prefix = id.slice(0, 2);
    if (!this.#prefixes.has(prefix)) {
      mkdirSync(join(this.root, 'chunks', prefix), { recursive: true });
      this.#prefixes.add(prefix);
    }
    this.#writeOnce(path, data);
    return true;
  }

  getChunk(id: string): Buffer | null {
    const path = this.#chunkPath(id);
    return existsSync(path) ? readFileSync(path) : null;
  }

  putManifest(id: string, data: Buffer): void {
    this.#writeOnce(join(this.root, 'manifests', `${id}.json`), data);
  }

  getManifest(id: string): Buffer | null {
    const path = join(this.root, 'manifests', `${id}.json`);
    return existsSync(path) ? readFileSync(path) : null;
  }

  /** A copy of the witness log as it was at backup `id` (public signed notes; write-once). */
  putWitness(id: string, data: Buffer): void {
    mkdirSync(join(this.root, 'witness'), { recursive: true });
    this.#writeOnce(join(this.root, 'witness', `${id}.log`), data);
  }

  /** Every witness copy on the target, oldest first. */
  witnessCopies(): Buffer[] {
    const dir = join(this.root, 'witness');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .sort()
      .map((f) => readFileSync(join(dir, f)));
  }

  /** An erasure, mirrored from the erasure register (participant id and time only; write-once). */
  putErasure(participantId: string, data: Buffer): void {
    const dir = join(this.root, 'erasures');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${participantId.replace(/[^\w-]/g, '_')}.json`);
    if (!existsSync(path)) this.#writeOnce(path, data);
  }

  /** The participant ids of every mirrored erasure. */
  erasures(): string[] {
    const dir = join(this.root, 'erasures');
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((f) => {
      try {
        const id = (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { participant?: unknown }).participant;
        return typeof id === 'string' ? [id] : [];
      } catch {
        return [];
      }
    });
  }

  manifestIds(): string[] {
    const dir = join(this.root, 'manifests');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  }

  chunkIds(): string[] {
    const dir = join(this.root, 'chunks');
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((prefix) => readdirSync(join(dir, prefix)));
  }

  /** Deletion is for prune only (the caller checked the offline prune credential). */
  remove(kind: 'chunk' | 'manifest', id: string): void {
    const path = kind === 'chunk' ? this.#chunkPath(id) : join(this.root, 'manifests', `${id}.json`);
    if (!existsSync(path)) return;
    chmodSync(path, 0o600);
    rmSync(path);
  }

  #writeOnce(path: string, data: Buffer): void {
    writeFileSync(path, data, { flag: 'wx', mode: 0o444 });
  }
}
