import { expect } from 'vitest';
import type { Vault } from '../../src/app/vault.js';
import { tamperReportsSettled } from '../../src/authz/tamper-in-tx.js';
import type { Result } from '../../src/core/result.js';

/**
 * Asserts the read-time refusal of a tampered row (issue #17): the call answered ROW_TAMPERED naming
 * the table, and the refusal was reported: a `ledger.row-tampered` audit event (outcome failure) and a
 * `row.tampered` alert for the system administrators, both committed.
 */
export async function expectTamperRefused(
  vault: Vault,
  result: Result<unknown>,
  table: string,
): Promise<void> {
  expect(result.ok ? 'accepted' : result.error.code).toBe('ROW_TAMPERED');
  if (!result.ok) expect(result.error.details?.table).toBe(table);
  await tamperReportsSettled();
  const alerts = await vault.store.db
    .selectFrom('alerts')
    .selectAll()
    .where('kind', '=', 'row.tampered')
    .execute();
  expect(alerts.map((a) => (JSON.parse(a.details) as { table?: string }).table)).toContain(table);
  const events = await vault.store.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'ledger.row-tampered')
    .execute();
  expect(events.filter((e) => e.target === table && e.outcome === 'failure').length).toBeGreaterThan(0);
}
