import { type Actor, actorLabel } from '../core/actor.js';
import { newId } from '../core/ids.js';
import { ok, type Result } from '../core/result.js';
import { blindIndexToken } from '../crypto/blind-index.js';
import type { FormVersion } from '../forms/service.js';
import { validateValues } from '../forms/validate-values.js';
import type { AuditEventInput } from '../ledger/audit-event.js';
import type { LookupToken } from '../participants/repo.js';
import type { ParticipantKey } from '../vault/keyring.js';
import { sealValues } from './record-values.js';
import type { RecordRow, RecordVersionRow } from './repo.js';
import { versionDigest } from './version-digest.js';

export interface ParticipantRef {
  readonly id: string;
  readonly study_id: string;
  readonly subject_id: string;
  readonly status: string;
}

export interface NewRecord {
  readonly participant: ParticipantRef;
  readonly form: FormVersion;
  readonly visit: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly reason: string | undefined;
}

/** Everything one first entry writes: the record, its version 1, its lookup tokens and its audit event. */
export interface PreparedRecord {
  readonly record: RecordRow;
  readonly version: RecordVersionRow;
  readonly tokens: LookupToken[];
  readonly event: AuditEventInput;
  readonly clear: Record<string, unknown>;
  readonly sealedFields: string[];
}

/**
 * Validates and seals a first entry without touching the store, so that one record or a thousand are
 * written with the same code (one transaction, multi-row inserts).
 */
export function prepareRecord(
  actor: Actor,
  now: string,
  key: ParticipantKey,
  blindIndexKey: (studyId: string) => Buffer,
  item: NewRecord,
): Result<PreparedRecord> {
  const { participant, form, visit } = item;
  const values = validateValues(form.definition, item.values);
  if (!values.ok) return values;
  const record: RecordRow = {
    id: newId(),
    study_id: participant.study_id,
    participant_id: participant.id,
    form_id: form.formId,
    visit,
    version: 1,
    locked: 0,
    created_at: now,
    updated_at: now,
  };
  const place = { studyId: record.study_id, participantId: participant.id, recordId: record.id, version: 1 };
  const { clear, sealed } = sealValues(form.definition, values.value, key, place);
  const changed = Object.keys(values.value);
  const tokens: LookupToken[] = [];
  for (const field of form.definition.fields) {
    const value = values.value[field.oid];
    if (field.lookup === undefined || typeof value !== 'string') continue;
    tokens.push({
      studyId: participant.study_id,
      kind: field.lookup,
      participantId: participant.id,
      token: blindIndexToken(blindIndexKey(participant.study_id), field.lookup, value),
    });
  }
  const version: RecordVersionRow = {
    record_id: record.id,
    version: 1,
    form_version_id: form.versionId,
    actor: actorLabel(actor),
    reason: item.reason ?? null,
    created_at: now,
    clear_values: JSON.stringify(clear),
    sealed_values: JSON.stringify(sealed),
    changed_fields: JSON.stringify(changed),
  };
  return ok({
    record,
    version,
    tokens,
    event: {
      actor,
      action: 'record.create',
      at: now,
      studyId: record.study_id,
      participantId: participant.id,
      recordId: record.id,
      target: `${form.oid}/${visit}`,
      reason: item.reason ?? null,
      details: {
        version: 1,
        formVersion: form.version,
        fields: changed,
        digest: versionDigest(version, { clear, sealed, changed }),
      },
    },
    clear,
    sealedFields: Object.keys(sealed),
  });
}
