import { sql } from 'kysely';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { getMeta } from '../storage/meta-repo.js';
import type { VaultDeps } from './deps.js';

export interface Health {
  readonly status: 'ok';
  readonly store: 'ok';
  readonly keys: 'ok';
}

/** Readiness: the store answers and the master key still opens this store's key check. */
export async function checkHealth(deps: VaultDeps): Promise<Result<Health>> {
  try {
    await sql`select 1`.execute(deps.db);
  } catch {
    return err(appError('UNAVAILABLE', 'The store does not answer.'));
  }
  const keyCheck = await getMeta(deps.db, 'key_check');
  if (keyCheck === undefined || !(await deps.keyring.checkMasterKey(Buffer.from(keyCheck, 'base64')))) {
    return err(appError('KEY_UNAVAILABLE', 'The master key does not open this store.'));
  }
  return ok({ status: 'ok', store: 'ok', keys: 'ok' });
}
