import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

/** One published checkpoint, as the witness keeps it. */
export interface WitnessEntry {
  readonly size: number;
  readonly root: string;
  readonly time: string;
  readonly note: string;
}

/**
 * The witness: a record of published checkpoints kept outside the database (an append-only file, by
 * default in the key directory, and optionally a webhook), so that whoever can rewrite the database
 * cannot also rewrite what was already published (rollback and fork detection).
 */
export class Witness {
  constructor(
    readonly file: string,
    readonly url: string | undefined,
  ) {}

  /** Appends and fsyncs one line of JSON; a checkpoint is published only once it is on disk. */
  append(entry: WitnessEntry): void {
    const fd = openSync(this.file, 'a', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** The entries, and the line numbers of lines that are not entries (a damaged witness is a finding). */
  read(): { entries: WitnessEntry[]; badLines: number[] } {
    if (!existsSync(this.file)) return { entries: [], badLines: [] };
    const entries: WitnessEntry[] = [];
    const badLines: number[] = [];
    readFileSync(this.file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        try {
          const e = JSON.parse(line) as WitnessEntry;
          if (Number.isSafeInteger(e.size) && typeof e.root === 'string' && typeof e.note === 'string')
            entries.push(e);
          else badLines.push(i + 1);
        } catch {
          badLines.push(i + 1);
        }
      });
    return { entries, badLines };
  }

  /** Posts the signed note to the webhook, if one is configured; a failure is reported, not thrown. */
  async post(note: string): Promise<string | undefined> {
    if (this.url === undefined) return undefined;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: note,
        signal: AbortSignal.timeout(5000),
      });
      return response.ok ? undefined : `witness webhook answered ${response.status}`;
    } catch {
      return 'witness webhook unreachable';
    }
  }
}
