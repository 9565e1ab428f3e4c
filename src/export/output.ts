import { createHash } from 'node:crypto';
import { createWriteStream, linkSync, mkdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Encrypter } from 'age-encryption';
import type { ExportFile, ExportOutput } from './export-dataset.js';

export interface WrittenFile {
  readonly name: string;
  readonly mediaType: string;
  readonly sha256: string;
  readonly bytes: number;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/;
/** Writes reach the file in blocks of this size (many small rows, few system calls). */
const BLOCK = 1 << 16;

/**
 * Files of one export, written first to a private staging directory (0700, files 0600) and released
 * into the target only when the export passed its risk check: a refused export leaves nothing
 * behind. Each file is hashed (SHA-256) as it is written, so the audit event records exactly the
 * bytes that left.
 */
export class DirectoryOutput implements ExportOutput {
  readonly files: WrittenFile[] = [];
  readonly #staging: string;
  constructor(
    readonly dir: string,
    exportId: string,
    /** The recipient's age public key: every file is then written encrypted to it (issue #16). */
    readonly ageRecipient?: string,
  ) {
    this.#staging = join(dir, `.staging-${exportId}`);
    mkdirSync(this.#staging, { mode: 0o700 });
  }

  async file(plainName: string, plainType: string): Promise<ExportFile> {
    if (!SAFE_NAME.test(plainName) || plainName.includes('..'))
      throw new Error('export file name is not a plain name');
    const encrypted = this.ageRecipient !== undefined;
    const name = encrypted ? `${plainName}.age` : plainName;
    const mediaType = encrypted ? 'application/octet-stream' : plainType;
    const stream = createWriteStream(join(this.#staging, name), { flags: 'wx', mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    const hash = createHash('sha256');
    let bytes = 0;
    let pending = '';
    const flush = async () => {
      if (pending === '') return;
      const buffer = Buffer.from(pending, 'utf8');
      pending = '';
      hash.update(buffer);
      bytes += buffer.length;
      if (!stream.write(buffer)) await new Promise<void>((resolve) => stream.once('drain', resolve));
    };
    if (this.ageRecipient !== undefined)
      return this.#encrypted(this.ageRecipient, stream, hash, name, mediaType);
    return {
      write: async (chunk: string) => {
        pending += chunk;
        if (pending.length >= BLOCK) await flush();
      },
      close: async () => {
        await flush();
        await new Promise<void>((resolve, reject) =>
          stream.end((e?: Error | null) => (e ? reject(e) : resolve())),
        );
        this.files.push({ name, mediaType, sha256: hash.digest('hex'), bytes });
      },
    };
  }

  /**
   * The plaintext goes only through memory into age (X25519, streaming STREAM chunks of 64 KiB): what
   * reaches the spool disk, and what is hashed and recorded, is the ciphertext alone (issue #16).
   */
  async #encrypted(
    recipient: string,
    stream: ReturnType<typeof createWriteStream>,
    hash: ReturnType<typeof createHash>,
    name: string,
    mediaType: string,
  ): Promise<ExportFile> {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const plain = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          controller = c;
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 4 * BLOCK }),
    );
    const encrypter = new Encrypter();
    encrypter.addRecipient(recipient);
    const cipher = await encrypter.encrypt(plain);
    let bytes = 0;
    const pump = (async () => {
      const reader = cipher.getReader();
      for (;;) {
        const next = await reader.read();
        if (next.done) break;
        hash.update(next.value);
        bytes += next.value.length;
        if (!stream.write(next.value)) await new Promise<void>((resolve) => stream.once('drain', resolve));
      }
    })();
    let failed: unknown;
    pump.catch((e: unknown) => {
      failed = e;
    });
    let pending = '';
    const flush = async () => {
      if (pending === '') return;
      controller.enqueue(Buffer.from(pending, 'utf8'));
      pending = '';
      // Backpressure: let age and the disk catch up before more plaintext is queued in memory.
      while ((controller.desiredSize ?? 1) <= 0) {
        if (failed !== undefined) throw failed;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    return {
      write: async (chunk: string) => {
        pending += chunk;
        if (pending.length >= BLOCK) await flush();
      },
      close: async () => {
        await flush();
        controller.close();
        await pump;
        await new Promise<void>((resolve, reject) =>
          stream.end((e?: Error | null) => (e ? reject(e) : resolve())),
        );
        this.files.push({ name, mediaType, sha256: hash.digest('hex'), bytes });
      },
    };
  }

  /** Moves the files into the target; never over an existing file (link fails if it exists). */
  release(): void {
    for (const file of this.files) {
      linkSync(join(this.#staging, file.name), join(this.dir, file.name));
      unlinkSync(join(this.#staging, file.name));
    }
    rmSync(this.#staging, { recursive: true, force: true });
  }

  /** Removes everything written (a refused or failed export). */
  discard(): void {
    rmSync(this.#staging, { recursive: true, force: true });
  }
}
