import { reportTamper } from '../authz/row-tamper.js';
import { trustedAuditEvents } from '../authz/trusted-events.js';
import { err, ok, type Result } from '../core/result.js';
import type { VaultDeps } from '../vault/deps.js';
import { SIGNATURES } from './signatures-bindings.js';

/**
 * A signature row deleted in SQL (review r17, R17-7; 21 CFR 11.70, signatures linked to their records):
 * every record.sign event of the record whose leaf MAC holds made one signature row, and no signature is
 * ever deleted or withdrawn by design (there is no revocation), so fewer rows than such events is
 * tampering. The list is refused with ROW_TAMPERED and the missing row reported (audit event and alert,
 * authz/row-tamper.ts). One indexed query of the record's sign events per list; the events' row seals
 * are read only on a mismatch, to name the missing signature.
 */
export async function refuseMissingSignatures(
  deps: VaultDeps,
  recordId: string,
  rows: readonly { readonly id: string }[],
): Promise<Result<null>> {
  const events = await trustedAuditEvents(deps, { recordId, action: 'record.sign' });
  if (!events.ok) return events;
  const signed = events.value.filter((e) => e.outcome === 'success');
  if (signed.length <= rows.length) return ok(null);
  const held = new Set(rows.map((r) => r.id));
  const sealed = await deps.db
    .selectFrom('audit_events')
    .select(['seq', 'row_seals'])
    .where(
      'seq',
      'in',
      signed.map((e) => e.seq),
    )
    .execute();
  let missing: string | undefined;
  for (const event of sealed) {
    for (const id of signatureIds(event.row_seals)) if (!held.has(id)) missing ??= id;
  }
  // A sign event without a named signature (cannot happen unless rewritten) still refuses the list.
  const row = { id: missing ?? `record:${recordId}`, row_seq: null, row_mac: null };
  return err(await reportTamper(deps, SIGNATURES, row));
}

function signatureIds(rowSeals: string | null): string[] {
  if (rowSeals === null) return [];
  try {
    const entries = JSON.parse(rowSeals) as unknown;
    if (!Array.isArray(entries)) return [];
    return entries
      .filter((e): e is [string, unknown[], unknown] => Array.isArray(e) && e[0] === SIGNATURES.table)
      .map((e) => (Array.isArray(e[1]) ? e[1][0] : undefined))
      .filter((id): id is string => typeof id === 'string');
  } catch {
    return [];
  }
}
