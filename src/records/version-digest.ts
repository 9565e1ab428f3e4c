import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type { RecordVersionRow } from './repo.js';

/**
 * SHA-256 over the canonical JSON of a whole version row (values in clear and sealed, reason, actor,
 * time). The record's audit event carries it, so the ledger commits to every version: a version
 * changed in the database no longer matches the event that describes it (21 CFR 11.10(e)).
 */
export function versionDigest(row: RecordVersionRow, parsed?: ParsedVersionValues): string {
  if (parsed !== undefined) {
    try {
      return digestOf(row, parsed.clear, parsed.sealed, parsed.changed);
    } catch {
      // A value JSON would have written differently (not finite): digest the columns as stored.
    }
  }
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return { unparsable: text };
    }
  };
  return digestOf(row, parse(row.clear_values), parse(row.sealed_values), parse(row.changed_fields));
}

/**
 * The values a version row was just written from (the objects its JSON columns were stringified
 * from), so that the writer does not parse back what it serialized.
 */
export interface ParsedVersionValues {
  readonly clear: unknown;
  readonly sealed: unknown;
  readonly changed: unknown;
}

function digestOf(row: RecordVersionRow, clear: unknown, sealed: unknown, changed: unknown): string {
  return createHash('sha256')
    .update(
      canonicalJson({
        record: row.record_id,
        version: Number(row.version),
        formVersion: row.form_version_id,
        actor: row.actor,
        reason: row.reason,
        at: row.created_at,
        clear,
        sealed,
        changed,
      }),
    )
    .digest('hex');
}
