import type { TableBinding } from '../ledger/table-binding.js';

/** Electronic signatures are sealed by the record.sign event that made them (21 CFR 11.70). */
export const SIGNATURES: TableBinding = {
  table: 'signatures',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason: 'a signature shown as valid must be the one its signer made (21 CFR 11.70); sealed by record.sign',
};

export const SIGNATURES_BINDINGS: readonly TableBinding[] = [SIGNATURES];
