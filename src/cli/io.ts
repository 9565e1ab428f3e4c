import type { AppError } from '../core/errors.js';

/** Where the CLI writes: the process streams, or a buffer in tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Exit codes: 0 success, 1 the check or operation found a problem, 2 usage or environment error. */
export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;

const ENVIRONMENT_CODES = new Set([
  'KEY_UNAVAILABLE',
  'WRONG_PASSPHRASE',
  'STORE_NOT_INITIALIZED',
  'STORE_DAMAGED',
  'CONFIG_INVALID',
  'UNAVAILABLE',
]);

export function exitCodeFor(error: AppError): number {
  return ENVIRONMENT_CODES.has(error.code) ? EXIT_USAGE : EXIT_PROBLEM;
}

/** Prints an error as JSON ({error}) or as text with its details; never a stack trace. */
export function printError(io: CliIo, error: AppError, json: boolean): number {
  if (json) {
    io.out(JSON.stringify({ error }, null, 2));
  } else {
    io.err(`trialvault: ${error.code}: ${error.message}`);
    const problems = error.details?.problems;
    if (Array.isArray(problems)) {
      for (const p of problems as { where: string; reason: string }[]) io.err(`  ${p.where}: ${p.reason}`);
    } else if (error.details?.fields !== undefined) {
      for (const [field, message] of Object.entries(error.details.fields as Record<string, string>)) {
        io.err(`  ${field}: ${message}`);
      }
    }
  }
  return exitCodeFor(error);
}
