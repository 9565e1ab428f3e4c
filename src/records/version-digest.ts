import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type { RecordVersionRow } from './repo.js';

/**
 * SHA-256 over the canonical JSON of a whole version row (values in clear and sealed, reason, actor,
 * time). The record's audit event carries it, so the ledger commits to every version: a version
 * changed in the database no longer matches the event that describes it (21 CFR 11.10(e)).
 */
export function versionDigest(row: RecordVersionRow): string {
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return { unparsable: text };
    }
  };
  return createHash('sha256')
    .update(
      canonicalJson({
        record: row.record_id,
        version: Number(row.version),
        formVersion: row.form_version_id,
        actor: row.actor,
        reason: row.reason,
        at: row.created_at,
        clear: parse(row.clear_values),
        sealed: parse(row.sealed_values),
        changed: parse(row.changed_fields),
      }),
    )
    .digest('hex');
}
