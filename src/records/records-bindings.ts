import type { TableBinding } from '../ledger/table-binding.js';

/** How the record tables are bound (issue #17; docs/ledger.md): both are replayed from their events. */
export const RECORD_VERSIONS: TableBinding = {
  table: 'record_versions',
  key: ['record_id', 'version'],
  how: 'replay',
  reason:
    'each version is the digest its record.create/record.update event carries (version-digest.ts), checked by the records check',
};

export const RECORDS: TableBinding = {
  table: 'records',
  key: ['id'],
  how: 'replay',
  reason:
    'the replay of its creation, versions and lock/unlock events: study, participant, form and visit, version, lock, times (records check)',
};

export const RECORDS_BINDINGS: readonly TableBinding[] = [RECORDS, RECORD_VERSIONS];
