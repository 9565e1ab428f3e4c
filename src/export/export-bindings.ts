import type { TableBinding } from '../ledger/table-binding.js';

/**
 * The export tables (issue #17): each row is sealed by the audit event that wrote it and checked when
 * it is read, because each one decides what leaves the vault (HIPAA 164.514, 164.308(a)(4)).
 * No volatile columns: every change of these rows is an audited event.
 */
export const EXPORT_SETTINGS: TableBinding = {
  table: 'export_settings',
  key: ['study_id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason: 'a lowered k threshold must never be used (HIPAA 164.514(b)); sealed by export.settings',
};

export const EXPORT_RECIPIENTS: TableBinding = {
  table: 'export_recipients',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason:
    'a forged data use agreement or unblinded flag must be refused (164.514(e)(4), ICH E9 2.3.1); sealed by export.recipient',
};

export const EXPORT_REQUESTS: TableBinding = {
  table: 'export_requests',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason:
    'a forged approval must never release an identified export (164.308(a)(4), NIST AC-5); sealed by export.request/approve/use',
};

export const EXPORTS: TableBinding = {
  table: 'exports',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason:
    'a download flag reset in SQL must not allow a second download (164.312(e)(1)); sealed by export.create/download',
};

export const EXPORT_BINDINGS: readonly TableBinding[] = [
  EXPORT_SETTINGS,
  EXPORT_RECIPIENTS,
  EXPORT_REQUESTS,
  EXPORTS,
];
