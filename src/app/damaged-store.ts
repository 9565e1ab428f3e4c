import { raiseTamperAlert } from '../authz/row-tamper.js';
import type { AppError } from '../core/errors.js';
import { ok } from '../core/result.js';
import { type LedgerService, storeDamaged } from '../ledger/service.js';
import { schemaChanges, schemaDamaged } from '../storage/schema-guard.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';

const alerted = new WeakSet<LedgerService>();

/** Whether the store may be served as it is: its log and its schema are as TrialVault left them. */
export function storeSound(vault: { readonly deps: VaultDeps; readonly ledger: LedgerService }): boolean {
  return vault.ledger.damage === undefined && (schemaChanges(vault.deps.db)?.length ?? 0) === 0;
}

/**
 * The refusal of a store whose audit log does not match its witnessed checkpoints (review r17,
 * LedgerService.checkAtStart), or whose schema holds a trigger, rule, function or default the
 * migrations did not create (storage/schema-guard.ts; review s13): STORE_DAMAGED for every request,
 * and, once per opened vault, an audit event (`ledger.row-tampered`, outcome failure) and an alert for
 * the system administrators naming `audit_events` or `schema`. Undefined when the store may be served.
 * The alert is raised on first use, never at open: a restore opens a store whose loss window its own
 * event then acknowledges.
 */
export async function damagedStore(vault: {
  readonly deps: VaultDeps;
  readonly ledger: LedgerService;
}): Promise<AppError | undefined> {
  const damage = vault.ledger.damage;
  const changes = schemaChanges(vault.deps.db) ?? [];
  if (damage === undefined && changes.length === 0) return undefined;
  if (!alerted.has(vault.ledger)) {
    alerted.add(vault.ledger);
    const table = damage === undefined ? 'schema' : 'audit_events';
    const details =
      damage === undefined ? { table, changes, at: 'startup' } : { table, ledger: damage, at: 'startup' };
    await transact(vault.deps.db, async (trx) => {
      await raiseTamperAlert(trx, vault.deps, details, table);
      return ok(null);
    });
  }
  return damage === undefined ? schemaDamaged(changes) : storeDamaged(damage);
}
