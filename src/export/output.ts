import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportFile, ExportOutput } from './export-dataset.js';

export interface WrittenFile {
  readonly name: string;
  readonly mediaType: string;
  readonly sha256: string;
  readonly bytes: number;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/;

/**
 * Files of one export in a directory: each is hashed (SHA-256) as it is written, so the audit event
 * records exactly the bytes that left. Files are created exclusively (never overwriting), mode 0600.
 */
export class DirectoryOutput implements ExportOutput {
  readonly files: WrittenFile[] = [];
  readonly #paths: string[] = [];
  constructor(readonly dir: string) {}

  async file(name: string, mediaType: string): Promise<ExportFile> {
    if (!SAFE_NAME.test(name) || name.includes('..')) throw new Error('export file name is not a plain name');
    const path = join(this.dir, name);
    const stream = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.#paths.push(path);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    const hash = createHash('sha256');
    let bytes = 0;
    return {
      write: async (chunk: string) => {
        const buffer = Buffer.from(chunk, 'utf8');
        hash.update(buffer);
        bytes += buffer.length;
        if (!stream.write(buffer)) await new Promise<void>((resolve) => stream.once('drain', resolve));
      },
      close: async () => {
        await new Promise<void>((resolve, reject) =>
          stream.end((e?: Error | null) => (e ? reject(e) : resolve())),
        );
        this.files.push({ name, mediaType, sha256: hash.digest('hex'), bytes });
      },
    };
  }

  /** Removes what was written (a refused or failed export leaves nothing behind). */
  discard(): void {
    for (const path of this.#paths) rmSync(path, { force: true });
  }
}
