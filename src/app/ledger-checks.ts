import { telemetryCheck } from '../devices/telemetry-check.js';
import type { CheckFactory } from '../ledger/check.js';
import { recordCheck } from '../records/record-check.js';
import type { Keyring } from '../vault/keyring.js';

/**
 * The checks `verify` runs after the ledger's own (leaves, sequence, checkpoints, witness): each
 * capability vouches for its tables, so the ledger knows none of them (docs/ledger.md, "verify").
 * A new table gets a binding (table-binding.ts) and, unless it is excluded, a check here.
 */
export function ledgerChecks(_keyring: Keyring): CheckFactory[] {
  return [recordCheck, telemetryCheck];
}
