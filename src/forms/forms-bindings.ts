import type { TableBinding } from '../ledger/table-binding.js';

/**
 * A form definition decides which values are sealed and who sees them: a class changed in SQL would
 * store new values in the clear, so every use of a definition checks its seal first (ASVS 8.2.1;
 * 21 CFR 11.10(k); issue #17).
 */
export const FORMS: TableBinding = {
  table: 'forms',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason: 'the form a record is entered on (study, OID); sealed by form.create',
};

export const FORM_VERSIONS: TableBinding = {
  table: 'form_versions',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason: 'the definition (data classes) every write and read uses; sealed by form.draft and form.publish',
};

export const FORMS_BINDINGS: readonly TableBinding[] = [FORMS, FORM_VERSIONS];
