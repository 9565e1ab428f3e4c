import { countersCheck } from '../audit/counters-check.js';
import { telemetryCheck } from '../devices/telemetry-check.js';
import type { CheckFactory } from '../ledger/check.js';
import { rowSealCheck } from '../ledger/row-seal-check.js';
import { schemaCheck } from '../ledger/schema-check.js';
import { allBindings } from '../ledger/table-binding.js';
import { recordCheck } from '../records/record-check.js';
import type { Keyring } from '../vault/keyring.js';

/**
 * The checks `verify` runs after the ledger's own (leaves, sequence, checkpoints, witness): each
 * capability vouches for its tables, so the ledger knows none of them (docs/ledger.md, "verify").
 * A new table gets a binding (table-binding.ts) and, unless it is excluded, a check here.
 */
export function ledgerChecks(keyring: Keyring): CheckFactory[] {
  return [schemaCheck, recordCheck, telemetryCheck, countersCheck, rowSealCheck(keyring, allBindings)];
}
