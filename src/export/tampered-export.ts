import { reportTamper } from '../authz/row-tamper.js';
import { err, type Result } from '../core/result.js';
import type { VaultDeps } from '../vault/deps.js';
import { TamperedRowError } from './source.js';

/**
 * Runs an export pass (an export, a preview, an attribution); a record or version whose MAC fails stops
 * it (issue #17): the row is reported (audit event and alert, authz/row-tamper.ts) and the pass answers
 * ROW_TAMPERED. Anything staged is discarded by the pass itself.
 */
export async function refusingTampered<T>(
  deps: VaultDeps,
  pass: () => Promise<Result<T>>,
): Promise<Result<T>> {
  try {
    return await pass();
  } catch (e) {
    if (e instanceof TamperedRowError) return err(await reportTamper(deps, e.binding, e.row));
    throw e;
  }
}
