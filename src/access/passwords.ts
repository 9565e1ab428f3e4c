import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { COMMON_PASSWORDS } from './common-passwords.js';

// argon2id with m = 19 MiB, t = 2, p = 1: the OWASP minimum (ASVS 5.0 11.4.2, appendix C).
// Constants, never taken from input; a stored hash with other parameters is rehashed at login.
const MEMORY_KIB = 19_456;
const ITERATIONS = 2;
const PARALLELISM = 1;
const PARAMS = `m=${MEMORY_KIB},t=${ITERATIONS},p=${PARALLELISM}`;
// Algorithm is a const enum, which verbatimModuleSyntax cannot import as a value: 2 is Argon2id.
const ARGON2ID = 2 as Algorithm.Argon2id;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 128;

export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFKC'), {
    algorithm: ARGON2ID,
    memoryCost: MEMORY_KIB,
    timeCost: ITERATIONS,
    parallelism: PARALLELISM,
  });
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password.normalize('NFKC'));
  } catch {
    return false;
  }
}

/** True when the stored hash was made with other parameters than today's (rehash on next login). */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith('$argon2id$v=19$') || stored.split('$')[3] !== PARAMS;
}

/**
 * A hash of a random password, verified against when the e-mail is unknown, so that a login with an
 * unknown e-mail costs as much as one with a wrong password (ASVS 6.3.8: no account enumeration by timing).
 */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(`dummy-${Math.random()}-${Date.now()}`);
  return dummy;
}

/**
 * ASVS 6.2: at least 12 characters, at most 128, no composition rules, common and context-specific
 * passwords refused. Returns the reason, or undefined when acceptable.
 */
export function passwordProblem(password: string, context: readonly string[] = []): string | undefined {
  const text = password.normalize('NFKC');
  if ([...text].length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if ([...text].length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  const lower = text.toLowerCase();
  if (
    COMMON_PASSWORDS.has(lower) ||
    /^(.)\1+$/.test(lower) ||
    /^(0123456789|1234567890|abcdefghijklmnopqrstuvwxyz)/.test(lower)
  ) {
    return 'is too common';
  }
  for (const word of context) {
    const part = word.toLowerCase().split('@')[0] ?? '';
    if (part.length >= 4 && lower.includes(part)) return 'must not contain your name or e-mail';
  }
  return undefined;
}
