import { trustRowOn, trustRowsOn } from '../authz/tamper-in-tx.js';
import { ok, type Result } from '../core/result.js';
import type { Sealed } from '../storage/schema.js';
import type { VaultDeps } from '../vault/deps.js';
import { RECORD_VERSIONS, RECORDS, recordRowOf, versionRowOf } from './records-bindings.js';
import type { RecordRow, RecordVersionRow } from './repo.js';

/**
 * Record rows as read, honoured only when their row MAC holds (issue #17): a record unlocked, locked or
 * moved to another participant in SQL, or a version whose values or actor were rewritten, is refused
 * with ROW_TAMPERED, audited and alerted (authz/row-tamper.ts). One HMAC per row content first seen.
 */
export async function trustRecordOn<R extends Sealed<RecordRow>>(
  deps: VaultDeps,
  db: VaultDeps['db'],
  row: R | undefined,
): Promise<Result<R | undefined>> {
  if (row === undefined) return ok(undefined);
  const checked = await trustRowOn(deps, db, RECORDS, recordRowOf(row));
  return checked.ok ? ok(row) : checked;
}

export async function trustRecordsOn<R extends Sealed<RecordRow>>(
  deps: VaultDeps,
  db: VaultDeps['db'],
  rows: readonly R[],
): Promise<Result<readonly R[]>> {
  const checked = await trustRowsOn(deps, db, RECORDS, rows.map(recordRowOf));
  return checked.ok ? ok(rows) : checked;
}

export async function trustVersionOn<R extends Sealed<RecordVersionRow>>(
  deps: VaultDeps,
  db: VaultDeps['db'],
  row: R | undefined,
): Promise<Result<R | undefined>> {
  if (row === undefined) return ok(undefined);
  const checked = await trustRowOn(deps, db, RECORD_VERSIONS, versionRowOf(row));
  return checked.ok ? ok(row) : checked;
}

export async function trustVersionsOn<R extends Sealed<RecordVersionRow>>(
  deps: VaultDeps,
  db: VaultDeps['db'],
  rows: readonly R[],
): Promise<Result<readonly R[]>> {
  const checked = await trustRowsOn(deps, db, RECORD_VERSIONS, rows.map(versionRowOf));
  return checked.ok ? ok(rows) : checked;
}
