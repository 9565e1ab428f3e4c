import { type AppError, appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { ROW_MAC, type SealedRow } from '../ledger/row-seal.js';
import { readSealedRow, rowTampered } from '../ledger/row-seal-store.js';
import { untrustedRow } from '../ledger/row-trust.js';
import type { TableBinding } from '../ledger/table-binding.js';
import type { VaultDeps } from '../vault/deps.js';
import { reportTamper, trustRow, trustRows } from './row-tamper.js';

const pending = new Set<Promise<unknown>>();

/**
 * The refusal of a row read inside a transaction (issue #17): ROW_TAMPERED now, the report (audit event
 * and alert, row-tamper.ts) once the transaction has ended. The report commits in a transaction of its
 * own, which on the embedded store waits for the single writer: awaited inside the caller's transaction
 * it would wait for itself.
 */
export function tamperedInTx(deps: VaultDeps, binding: TableBinding, row: SealedRow): AppError {
  const report: Promise<unknown> = reportTamper(deps, binding, row)
    .catch(() => undefined)
    .finally(() => pending.delete(report));
  pending.add(report);
  return rowTampered(binding.table);
}

/** `trustRows` for rows read inside a transaction: the same check, the report deferred. */
export function trustRowsInTx<R extends SealedRow>(
  deps: VaultDeps,
  binding: TableBinding,
  rows: readonly R[],
): Result<readonly R[]> {
  const bad = untrustedRow(deps.db, deps.keyring, binding, rows);
  return bad === undefined ? ok(rows) : err(tamperedInTx(deps, binding, bad));
}

/** Resolves once every deferred report has committed (the vault waits for them before it closes). */
export async function tamperReportsSettled(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}

/**
 * One row (or none) read on `db`, checked like `trustRow`: reported at once when `db` is the store
 * itself, after the transaction when it is one (a service method that runs either way).
 */
export async function trustRowOn<R extends SealedRow>(
  deps: VaultDeps,
  db: VaultDeps['db'],
  binding: TableBinding,
  row: R | undefined,
): Promise<Result<R | undefined>> {
  if (row === undefined) return ok(undefined);
  if (db === deps.db) return trustRow(deps, binding, row);
  const checked = trustRowsInTx(deps, binding, [row]);
  return checked.ok ? ok(row) : checked;
}

/** Rows read on `db`, checked like `trustRows` (see `trustRowOn`). */
export async function trustRowsOn<R extends SealedRow>(
  deps: VaultDeps,
  db: VaultDeps['db'],
  binding: TableBinding,
  rows: readonly R[],
): Promise<Result<readonly R[]>> {
  return db === deps.db ? trustRows(deps, binding, rows) : trustRowsInTx(deps, binding, rows);
}

/**
 * The row as stored now, read inside the writing transaction (locked until it ends) and checked before
 * the transaction changes it and its event seals it (review s13, H1/H2). A row checked before the
 * transaction and changed in SQL meanwhile (a password hash written while a wrong password was being
 * hashed) was sealed by the change's event: the event's seal blessed the administrator's change.
 */
export async function rowForChange<R extends SealedRow>(
  deps: VaultDeps,
  trx: VaultDeps['db'],
  binding: TableBinding,
  key: readonly unknown[],
  /** 'gone': a row the application itself deletes (a participant key shredded) may be missing. */
  missing: 'tampered' | 'gone' = 'tampered',
): Promise<Result<R | undefined>> {
  const row = (await readSealedRow(trx, binding, key, true)) as R | undefined;
  if (row !== undefined || missing === 'gone') return trustRowOn(deps, trx, binding, row);
  // The caller named a row that is not there: deleted in SQL (the update would touch nothing and the
  // event would seal it as deleted, blessing the deletion; review s13).
  return missingRow(deps, trx, binding, key);
}

/** A row the caller names that is not there: deleted in SQL, refused (ROW_TAMPERED) and reported. */
export async function missingRow(
  deps: VaultDeps,
  db: VaultDeps['db'],
  binding: TableBinding,
  key: readonly unknown[],
): Promise<Result<never>> {
  const gone: SealedRow = {
    ...Object.fromEntries(binding.key.map((column, i) => [column, key[i]])),
    row_seq: null,
    row_mac: null,
  };
  const refused = await trustRowOn(deps, db, binding, gone);
  return refused.ok ? err(rowTampered(binding.table)) : refused;
}

/**
 * `rowForChange` for a row the caller read and checked before its transaction and decided on: the row
 * stored now must be that very row (the same MAC, so every column the same). Changed in SQL: refused
 * and reported (ROW_TAMPERED); changed by another request meanwhile: CONFLICT, read again and retry
 * (review s13: a break-glass extended, an export request's requester swapped during an approval).
 */
export async function sameRowForChange(
  deps: VaultDeps,
  trx: VaultDeps['db'],
  binding: TableBinding,
  checked: SealedRow,
  missing: 'tampered' | 'gone' = 'tampered',
): Promise<Result<null>> {
  const stored = await rowForChange(
    deps,
    trx,
    binding,
    binding.key.map((column) => checked[column]),
    missing,
  );
  if (!stored.ok) return stored;
  const now = stored.value?.[ROW_MAC];
  const then = checked[ROW_MAC];
  const same =
    now instanceof Uint8Array && then instanceof Uint8Array && Buffer.from(now).equals(Buffer.from(then));
  return same ? ok(null) : err(CHANGED_MEANWHILE);
}

const CHANGED_MEANWHILE = appError('CONFLICT', 'It changed meanwhile: read it again and retry.');
