import { reportTamper } from '../authz/row-tamper.js';
import { tamperedInTx } from '../authz/tamper-in-tx.js';
import type { AppError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { SealedRow } from '../ledger/row-seal.js';
import { untrustedRow } from '../ledger/row-trust.js';
import type { TableBinding } from '../ledger/table-binding.js';
import type { Sealed } from '../storage/schema.js';
import type { VaultDeps } from '../vault/deps.js';
import { RECORD_VERSIONS, RECORDS, recordRowOf, versionRowOf } from './records-bindings.js';
import type { RecordRow, RecordVersionRow } from './repo.js';

/**
 * Rows read on `db` (the store or a transaction), checked like `trustRowsOn` (authz/tamper-in-tx.ts)
 * without an await on the way when they hold: this runs on every record read. A failure is reported at
 * once on the store, after the transaction inside one.
 */
async function refused(
  deps: VaultDeps,
  db: VaultDeps['db'],
  binding: TableBinding,
  rows: readonly SealedRow[],
): Promise<Result<never> | undefined> {
  const bad = untrustedRow(deps.db, deps.keyring, binding, rows);
  if (bad === undefined) return undefined;
  return err(db === deps.db ? await reportTamper(deps, binding, bad) : tamperedInTx(deps, binding, bad));
}

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
  return (await refused(deps, db, RECORDS, [recordRowOf(row)])) ?? ok(row);
}

export async function trustRecordsOn<R extends Sealed<RecordRow>>(
  deps: VaultDeps,
  db: VaultDeps['db'],
  rows: readonly R[],
): Promise<Result<readonly R[]>> {
  return (await refused(deps, db, RECORDS, rows.map(recordRowOf))) ?? ok(rows);
}

export async function trustVersionOn<R extends Sealed<RecordVersionRow>>(
  deps: VaultDeps,
  db: VaultDeps['db'],
  row: R | undefined,
): Promise<Result<R | undefined>> {
  if (row === undefined) return ok(undefined);
  return (await refused(deps, db, RECORD_VERSIONS, [versionRowOf(row)])) ?? ok(row);
}

export async function trustVersionsOn<R extends Sealed<RecordVersionRow>>(
  deps: VaultDeps,
  db: VaultDeps['db'],
  rows: readonly R[],
): Promise<Result<readonly R[]>> {
  return (await refused(deps, db, RECORD_VERSIONS, rows.map(versionRowOf))) ?? ok(rows);
}

/**
 * A records row whose current version row is missing (review r17, R17-4): the version was deleted in
 * SQL, which is tampering like a rewritten one. Refused with ROW_TAMPERED, audited and alerted
 * (authz/row-tamper.ts) under the version's key, not an internal error.
 */
export async function missingVersionOn(
  deps: VaultDeps,
  db: VaultDeps['db'],
  recordId: string,
  version: number,
): Promise<AppError> {
  // The version as text, so that the report names the row (and each missing version is reported once).
  const row: SealedRow = { record_id: recordId, version: String(version), row_seq: null, row_mac: null };
  return db === deps.db
    ? await reportTamper(deps, RECORD_VERSIONS, row)
    : tamperedInTx(deps, RECORD_VERSIONS, row);
}
