import { join } from 'node:path';
import { expect } from 'vitest';
import type { Ran } from '../../src/cli/operator-process.js';

/**
 * The answer an operator must get from any failing command: one line naming the error code, the
 * expected exit code, never a stack trace (ASVS 16.5.1: errors handled without leaking internals).
 */
export function oneClearLine(ran: Ran, code: number, says?: RegExp): void {
  expect(ran.err, ran.err).not.toMatch(/\n\s+at |SqliteError|node:internal/);
  const lines = ran.err.trim().split('\n');
  expect(lines, ran.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^trialvault: [A-Z_]+: /);
  if (says !== undefined) expect(ran.err).toMatch(says);
  expect(ran.code, ran.err).toBe(code);
}

/**
 * The environment of CLI processes on a machine rooted at `dir`: this process's environment with no
 * TRIALVAULT_* setting of its own, and the data and key directories under `dir`.
 */
export function operatorEnv(dir: string): { base: NodeJS.ProcessEnv; env: NodeJS.ProcessEnv } {
  const base: NodeJS.ProcessEnv = { ...process.env, TRIALVAULT_LOG_LEVEL: 'warn' };
  for (const k of Object.keys(base))
    if (k.startsWith('TRIALVAULT_') && k !== 'TRIALVAULT_LOG_LEVEL') delete base[k];
  return {
    base,
    env: { ...base, TRIALVAULT_DATA_DIR: join(dir, 'data'), TRIALVAULT_KEY_DIR: join(dir, 'keys') },
  };
}
