import type { TableBinding } from '../ledger/table-binding.js';

/**
 * The schedule decides which visit keys records may name: one changed in SQL would let entry land on
 * an event no one defined, so every read checks its row seal (issue #17; 21 CFR 11.10(k)).
 */
export const SCHEDULES: TableBinding = {
  table: 'schedules',
  key: ['study_id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason: "a study's visit schedule (events, windows, forms); sealed by schedule.define",
};

export const SCHEDULE_BINDINGS: readonly TableBinding[] = [SCHEDULES];
