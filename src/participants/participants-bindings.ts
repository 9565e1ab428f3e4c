import type { TableBinding } from '../ledger/table-binding.js';

/**
 * A participant's site, status and erasure decide who may see it and whether data may be entered; its
 * lookup tokens decide what an identifier search finds. Both are sealed by the events that write them
 * (issue #17; GDPR art. 17 for the erasure).
 */
export const PARTICIPANTS: TableBinding = {
  table: 'participants',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason: 'site, status and erasure; sealed by participant.create, participant.status and participant.erase',
};

export const PARTICIPANT_LOOKUP: TableBinding = {
  table: 'participant_lookup',
  key: ['study_id', 'kind', 'token', 'participant_id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason:
    'blind-index tokens: a token added, moved or dropped changes what a lookup finds; sealed by the record events that index values, deletions by participant.erase',
};

export const PARTICIPANTS_BINDINGS: readonly TableBinding[] = [PARTICIPANTS, PARTICIPANT_LOOKUP];

/** A lookup token's row, as an event lists it among the rows it sealed. */
export const lookupSeal = (t: {
  readonly studyId: string;
  readonly kind: string;
  readonly token: Buffer;
  readonly participantId: string;
}) => [PARTICIPANT_LOOKUP, [t.studyId, t.kind, t.token, t.participantId]] as const;

/** A lookup token's row, inserted and sealed by the ledger with its event (sealed-inserts.ts). */
export const lookupInsert = (t: {
  readonly studyId: string;
  readonly kind: string;
  readonly token: Buffer;
  readonly participantId: string;
}) =>
  [
    PARTICIPANT_LOOKUP,
    { study_id: t.studyId, kind: t.kind, token: t.token, participant_id: t.participantId },
  ] as const;
