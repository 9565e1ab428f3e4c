import { ok, type Result } from '../core/result.js';
import type { FieldContext } from '../crypto/field-envelope.js';
import { type FormDefinition, isProtected } from '../forms/form-definition.js';
import type { FieldValue, FieldValues } from '../forms/validate-values.js';
import { openValue, sealValue } from '../vault/field-cipher.js';
import type { ParticipantKey } from '../vault/keyring.js';

export interface VersionPlace {
  readonly studyId: string;
  readonly participantId: string;
  readonly recordId: string;
  readonly version: number;
}

// Field by field: a spread into a new literal costs V8's generic clone, once per protected value.
const contextOf = (place: VersionPlace, field: string): FieldContext => ({
  studyId: place.studyId,
  participantId: place.participantId,
  recordId: place.recordId,
  version: place.version,
  field,
});

/**
 * Splits a version's values by class: clinical values stay clear, protected ones are sealed with the
 * version's place in the associated data, so each version's ciphertexts are bound to that version.
 */
export function sealValues(
  form: FormDefinition,
  values: FieldValues,
  key: ParticipantKey,
  place: VersionPlace,
): { clear: Record<string, FieldValue>; sealed: Record<string, string> } {
  const clear: Record<string, FieldValue> = {};
  const sealed: Record<string, string> = {};
  for (const field of form.fields) {
    const value = values[field.oid];
    if (value === undefined) continue;
    if (isProtected(field)) sealed[field.oid] = sealValue(key, contextOf(place, field.oid), value);
    else clear[field.oid] = value;
  }
  return { clear, sealed };
}

export interface OpenedValues {
  readonly values: Record<string, FieldValue>;
  /** Protected fields present but not revealed to this caller. */
  readonly masked: string[];
  /** Protected fields whose key was destroyed (crypto-shredded). */
  readonly unavailable: string[];
}

/** Which fields a caller sees: revealed, masked, or (blinding) not at all. */
export interface ViewPolicy {
  reveal(field: string): boolean;
  hide(field: string): boolean;
}

export const REVEAL_ALL: ViewPolicy = { reveal: () => true, hide: () => false };
/** Opens a stored version; `key` null means the participant's key no longer exists. */
export function openValues(
  clearJson: string,
  sealedJson: string,
  key: ParticipantKey | null,
  place: VersionPlace,
  policy: ViewPolicy,
): Result<OpenedValues> {
  const clear = JSON.parse(clearJson) as Record<string, FieldValue>;
  const sealed = JSON.parse(sealedJson) as Record<string, string>;
  const values: Record<string, FieldValue> = {};
  for (const [field, value] of Object.entries(clear)) if (!policy.hide(field)) values[field] = value;
  const masked: string[] = [];
  const unavailable: string[] = [];
  for (const [field, envelope] of Object.entries(sealed)) {
    if (policy.hide(field)) continue;
    if (key === null) {
      unavailable.push(field);
    } else if (!policy.reveal(field)) {
      masked.push(field);
    } else {
      const opened = openValue(key, contextOf(place, field), envelope);
      if (!opened.ok) return opened;
      values[field] = opened.value;
    }
  }
  return ok({ values, masked, unavailable });
}
