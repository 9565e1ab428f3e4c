import { raiseTamperAlert } from '../authz/row-tamper.js';
import type { AppError } from '../core/errors.js';
import { ok } from '../core/result.js';
import { type LedgerService, storeDamaged } from '../ledger/service.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';

const alerted = new WeakSet<LedgerService>();

/**
 * The refusal of a store whose audit log does not match its witnessed checkpoints (review r17,
 * LedgerService.checkAtStart): STORE_DAMAGED for every request, and, once per opened vault, an audit
 * event (`ledger.row-tampered`, outcome failure) and an alert for the system administrators naming
 * `audit_events`. Undefined when the store may be served. The alert is raised on first use, never at
 * open: a restore opens a store whose loss window its own event then acknowledges.
 */
export async function damagedStore(vault: {
  readonly deps: VaultDeps;
  readonly ledger: LedgerService;
}): Promise<AppError | undefined> {
  const damage = vault.ledger.damage;
  if (damage === undefined) return undefined;
  if (!alerted.has(vault.ledger)) {
    alerted.add(vault.ledger);
    await transact(vault.deps.db, async (trx) => {
      await raiseTamperAlert(
        trx,
        vault.deps,
        { table: 'audit_events', ledger: damage, at: 'startup' },
        'audit_events',
      );
      return ok(null);
    });
  }
  return storeDamaged(damage);
}
