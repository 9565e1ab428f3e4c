import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

/** The erasure register lives in the key directory, beside the keys a restore must not bring back. */
export const ERASURE_REGISTER = 'erasures.log';

/** Appends an erasure to the register, fsynced: a restored backup must not bring the participant back. */
export function registerErasure(file: string, participantId: string, at: string): void {
  const fd = openSync(file, 'a', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ participant: participantId, at })}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function readErasureRegister(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        const id = (JSON.parse(l) as { participant?: unknown }).participant;
        return typeof id === 'string' ? [id] : [];
      } catch {
        return [];
      }
    });
}
