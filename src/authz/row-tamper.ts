import type { Kysely } from 'kysely';
import type { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { ROW_MAC, type SealedRow } from '../ledger/row-seal.js';
import { rowTampered } from '../ledger/row-seal-store.js';
import { untrustedRow } from '../ledger/row-trust.js';
import type { TableBinding } from '../ledger/table-binding.js';
import type { Database } from '../storage/schema.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import { ALERTS } from './access-bindings.js';

const SYSTEM = { kind: 'system', id: 'row-seal' } as const;

/** Rows already reported, per store handle: a forged row read on every request is one alert, not many. */
const reported = new WeakMap<Kysely<Database>, Set<string>>();

/**
 * The refusal of a row that fails its check (issue #17): an audit event (outcome failure) and an alert
 * for the system administrators, in their own transaction so that they commit although the request
 * that read the row fails; then the typed error ROW_TAMPERED. Details name the table and, for a
 * text key, the row; never a secret (a key holding a hash is not named).
 */
export async function reportTamper(
  deps: VaultDeps,
  binding: TableBinding,
  row: SealedRow,
): Promise<AppError> {
  let error = rowTampered(binding.table);
  await transact(deps.db, async (trx) => {
    error = await recordTamper(trx, deps, binding, row);
    return ok(null);
  });
  return error;
}

/**
 * `reportTamper` inside the caller's transaction, for a refusal that commits anyway (a second-factor
 * attempt): on the embedded store a second transaction would wait for this one.
 */
export async function recordTamper(
  trx: Kysely<Database>,
  deps: VaultDeps,
  binding: TableBinding,
  row: SealedRow,
): Promise<AppError> {
  const error = rowTampered(binding.table);
  const key = binding.key.map((c) => row[c]);
  const named = key.every((v) => typeof v === 'string') ? key : undefined;
  const mac = row[ROW_MAC];
  const id = `${binding.table}/${JSON.stringify(named ?? [])}/${mac instanceof Uint8Array ? Buffer.from(mac).toString('base64') : '-'}`;
  let seen = reported.get(deps.db);
  if (seen === undefined) {
    seen = new Set();
    reported.set(deps.db, seen);
  }
  if (seen.has(id)) return error;
  seen.add(id);
  const details = { table: binding.table, ...(named === undefined ? {} : { row: named }) };
  await raiseTamperAlert(trx, deps, details, binding.table);
  return error;
}

/**
 * The audit event (`ledger.row-tampered`, outcome failure) and the alert (`row.tampered`) for the
 * system administrators, sealed by the event, in the caller's transaction.
 */
export async function raiseTamperAlert(
  trx: Kysely<Database>,
  deps: VaultDeps,
  details: Readonly<Record<string, unknown>>,
  target?: string,
): Promise<void> {
  const alert = {
    id: newId(),
    kind: 'row.tampered',
    user_id: null,
    study_id: null,
    at: deps.clock.now().toISOString(),
    details: JSON.stringify(details),
    acknowledged_at: null,
  };
  // Inserted by the ledger from these values, not read back: raised even when the schema was changed.
  await appendAuditEvent(trx, deps, {
    actor: SYSTEM,
    action: 'ledger.row-tampered',
    outcome: 'failure',
    target: target ?? null,
    details,
    inserts: [[ALERTS, alert]],
  });
}

/**
 * The rows as read, when every one of them may be honoured; otherwise ROW_TAMPERED, reported (one HMAC
 * per row on the way in: ASVS 1.x, issue #17).
 */
export async function trustRows<R extends SealedRow>(
  deps: VaultDeps,
  binding: TableBinding,
  rows: readonly R[],
): Promise<Result<readonly R[]>> {
  const bad = untrustedRow(deps.db, deps.keyring, binding, rows);
  return bad === undefined ? ok(rows) : err(await reportTamper(deps, binding, bad));
}

/** One row (or none) as read, checked like `trustRows`. */
export async function trustRow<R extends SealedRow>(
  deps: VaultDeps,
  binding: TableBinding,
  row: R | undefined,
): Promise<Result<R | undefined>> {
  if (row === undefined) return ok(undefined);
  const checked = await trustRows(deps, binding, [row]);
  return checked.ok ? ok(row) : checked;
}
