import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Work to run once the unit of work that asked for it has committed (never after a rollback). */
const commitHooks = new WeakMap<Kysely<Database>, Array<() => void>>();

/**
 * Runs `fn` after the transaction `trx` commits (immediately when `trx` is no transaction run by
 * `transact`): in-memory state that must reflect committed rows only (the row high-water marks).
 */
export function onCommit(trx: Kysely<Database>, fn: () => void): void {
  const hooks = commitHooks.get(trx);
  if (hooks !== undefined) hooks.push(fn);
  else if (!trx.isTransaction) fn();
}

/** Collects the hooks one unit registers on `trx`; the caller runs them once the unit is durable. */
export function collectHooks(trx: Kysely<Database>): Array<() => void> {
  const hooks: Array<() => void> = [];
  commitHooks.set(trx, hooks);
  return hooks;
}

export function runHooks(hooks: readonly (() => void)[]): void {
  for (const hook of hooks) hook();
}
