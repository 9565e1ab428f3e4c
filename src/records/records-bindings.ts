import type { SealedRow } from '../ledger/row-seal.js';
import type { TableBinding } from '../ledger/table-binding.js';
import { carryReadTick } from '../storage/read-tick.js';
import type { Sealed } from '../storage/schema.js';
import type { RecordRow, RecordVersionRow } from './repo.js';

/**
 * How the record tables are bound (issue #17; docs/ledger.md): each row carries a row MAC, checked on
 * every read (a record unlocked, locked or moved to another participant in SQL, a value or a version's
 * actor rewritten, is refused with ROW_TAMPERED); verify also replays them from their events (records
 * check). Rows written before 0014 are sealed once under `ledger.records-sealed`.
 */
export const RECORD_VERSIONS: TableBinding = {
  table: 'record_versions',
  key: ['record_id', 'version'],
  how: 'row-seal',
  checkedOnRead: true,
  sealedBy: 'ledger.records-sealed',
  reason:
    'values, actor, reason and form version of each version; sealed by record.create/record.update (whose digest verify also replays)',
};

export const RECORDS: TableBinding = {
  table: 'records',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  sealedBy: 'ledger.records-sealed',
  reason:
    'participant, form, visit, version and lock decide where a record shows and whether it may change; sealed by record.create, record.update, record.lock and record.unlock',
};

export const RECORDS_BINDINGS: readonly TableBinding[] = [RECORDS, RECORD_VERSIONS];

/** The record's own row (every column its MAC covers) out of a row joined with its context. */
export function recordRowOf(r: Sealed<RecordRow>): SealedRow {
  // The read's tick goes with it (storage/read-tick.ts): a read that raced a commit is no put-back.
  return carryReadTick(r, {
    id: r.id,
    study_id: r.study_id,
    participant_id: r.participant_id,
    form_id: r.form_id,
    visit: r.visit,
    version: r.version,
    locked: r.locked,
    created_at: r.created_at,
    updated_at: r.updated_at,
    row_seq: r.row_seq,
    row_mac: r.row_mac,
  });
}

/** A version row exactly as stored (what its MAC covers). */
export function versionRowOf(v: Sealed<RecordVersionRow>): SealedRow {
  return carryReadTick(v, {
    record_id: v.record_id,
    version: v.version,
    form_version_id: v.form_version_id,
    actor: v.actor,
    reason: v.reason,
    created_at: v.created_at,
    clear_values: v.clear_values,
    sealed_values: v.sealed_values,
    changed_fields: v.changed_fields,
    row_seq: v.row_seq,
    row_mac: v.row_mac,
  });
}
