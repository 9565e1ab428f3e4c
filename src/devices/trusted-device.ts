import { trustRowsOn } from '../authz/tamper-in-tx.js';
import { ok, type Result } from '../core/result.js';
import type { VaultDeps } from '../vault/deps.js';
import { DEVICES } from './devices-bindings.js';
import type * as repo from './repo.js';

/**
 * A device row as read on `db`, checked before its status or public key decides anything (issue #17):
 * an un-revoked device, a replaced public key or a device inserted in SQL is refused with ROW_TAMPERED
 * and reported, never used to accept an upload. The columns joined from the participant are not part
 * of what the device row's MAC covers.
 */
export async function trustDevice<R extends repo.DeviceRow>(
  deps: VaultDeps,
  db: VaultDeps['db'],
  row: R | undefined,
): Promise<Result<R | undefined>> {
  if (row === undefined) return ok(undefined);
  const {
    site_id: _site,
    participant_status: _status,
    ...own
  } = row as R & {
    site_id?: unknown;
    participant_status?: unknown;
  };
  const checked = await trustRowsOn(deps, db, DEVICES, [own]);
  return checked.ok ? ok(row) : checked;
}
