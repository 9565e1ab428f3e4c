import type { Vault } from '../../src/app/vault.js';
import { tableRows } from '../../src/ledger/row-seal-ledger.js';
import { resealRow } from '../../src/ledger/row-seal-store.js';
import type { TableBinding } from '../../src/ledger/table-binding.js';

/**
 * For tests that move a row-sealed row in time by SQL (instead of waiting hours): the rows get the MAC
 * the server would have written, as a change under the key would (issue #17). Their ledger seals still
 * differ, so verify and a restart would name them: use it only where the test ends before either.
 */
export async function resealTable(vault: Vault, binding: TableBinding): Promise<void> {
  for (const row of await tableRows(vault.store.db, binding.table)) {
    await resealRow(
      vault.store.db,
      vault.keyring,
      binding,
      binding.key.map((c) => row[c]),
    );
  }
}
