import type { TableBinding } from '../ledger/table-binding.js';

/**
 * The key rows and the store's own settings. A key row deleted or changed in SQL is found by `verify`
 * (its seal is in the ledger), and is refused when read; the only erasure of a participant key is the
 * audited crypto-shred, whose event carries the deletion (GDPR art. 17; NIST SP 800-57 8.3.4).
 */
export const STUDY_KEYS: TableBinding = {
  table: 'study_keys',
  key: ['study_id', 'version'],
  how: 'row-seal',
  checkedOnRead: true,
  reason:
    'wrapped study keys; sealed by study.create and keys.rotate (which also seals retired versions as deleted)',
};

export const PARTICIPANT_KEYS: TableBinding = {
  table: 'participant_keys',
  key: ['participant_id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason:
    'wrapped participant data keys; sealed by participant.create and keys.rotate, deleted only by participant.erase (crypto-shred)',
};

export const META: TableBinding = {
  table: 'meta',
  key: ['key'],
  how: 'row-seal',
  reason:
    'store id, key mode and the wrapped store keys (sealed by store.init), the demo marker (sealed by demo.seed); the wrapped keys are also AEAD-bound to their context, so a changed one fails unlock',
};

export const COUNTERS: TableBinding = {
  table: 'counters',
  key: ['name'],
  how: 'replay',
  reason:
    'audit_seq is checked by verify against the event log (counters check); access_epoch is a cache-invalidation signal any value of which is safe (triggers advance it without events), and subject/<study>/<site> only proposes the next subject number (a lowered one is refused as ALREADY_EXISTS, a raised one skips numbers): those rows are excluded by design',
};

export const VAULT_BINDINGS: readonly TableBinding[] = [STUDY_KEYS, PARTICIPANT_KEYS, META, COUNTERS];
