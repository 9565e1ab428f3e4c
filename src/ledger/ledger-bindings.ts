import type { TableBinding } from './table-binding.js';

/** The ledger's own tables and the migration bookkeeping under it (issue #17; docs/ledger.md). */
export const AUDIT_EVENTS: TableBinding = {
  table: 'audit_events',
  key: ['seq'],
  how: 'replay',
  reason:
    'the ledger itself: every leaf is recomputed and its MAC checked, the sequence is gapless, and the tree matches the signed checkpoints and the witness (verify.ts)',
};

export const LEDGER_CHECKPOINTS: TableBinding = {
  table: 'ledger_checkpoints',
  key: ['size'],
  how: 'replay',
  reason:
    'signed with the log key (Ed25519, a key the database never holds), matched with the witness, root and frontier recomputed from the log (verify.ts)',
};

export const MIGRATIONS: TableBinding = {
  table: 'kysely_migration',
  key: ['name'],
  how: 'excluded',
  reason:
    'migration bookkeeping: a row changed or deleted makes the store refuse to open or re-run a migration that then fails; it never changes what is stored or served',
};

export const MIGRATION_LOCK: TableBinding = {
  table: 'kysely_migration_lock',
  key: ['id'],
  how: 'excluded',
  reason: 'the migration lock: a changed row only lets a migration wait or run; it holds no data',
};

export const LEDGER_BINDINGS: readonly TableBinding[] = [
  AUDIT_EVENTS,
  LEDGER_CHECKPOINTS,
  MIGRATIONS,
  MIGRATION_LOCK,
];
