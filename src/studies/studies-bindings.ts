import type { TableBinding } from '../ledger/table-binding.js';

/**
 * How the studies capability's tables are bound to the ledger (docs/ledger.md): every row is sealed by
 * the event that wrote it, so an edit, insertion or deletion in SQL is found by `verify`, and a row
 * read by a request is checked first (21 CFR 11.10(e); issue #17).
 */
export const STUDIES: TableBinding = {
  table: 'studies',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason: 'status and title decide what may be entered; sealed by study.create and study.status',
};

export const SITES: TableBinding = {
  table: 'sites',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason: "a participant's site decides who may see it; sealed by site.create",
};

export const STUDIES_BINDINGS: readonly TableBinding[] = [STUDIES, SITES];
