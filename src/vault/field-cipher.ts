import { appError } from '../core/errors.js';
import type { FieldValue } from '../core/field-value.js';
import { err, ok, type Result } from '../core/result.js';
import { type FieldContext, openField, sealField } from '../crypto/field-envelope.js';
import type { ParticipantKey } from './keyring.js';

/** Seals one protected value under the participant's data key; returns the envelope as base64. */
export function sealValue(key: ParticipantKey, context: FieldContext, value: FieldValue): string {
  return sealField(key.key, key.version, context, Buffer.from(JSON.stringify(value), 'utf8')).toString(
    'base64',
  );
}

/**
 * Opens one envelope. A changed, truncated or moved ciphertext is an INTEGRITY_ERROR naming where it
 * is (never what it holds): it is never returned as garbage.
 */
export function openValue(key: ParticipantKey, context: FieldContext, envelope: string): Result<FieldValue> {
  const plaintext = openField(key.key, context, Buffer.from(envelope, 'base64'));
  const where = { recordId: context.recordId, field: context.field, version: context.version };
  if (plaintext === null) {
    return err(appError('INTEGRITY_ERROR', 'A protected value failed its integrity check.', where));
  }
  try {
    const value: unknown = JSON.parse(plaintext.toString('utf8'));
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      return ok(value);
  } catch {
    // fall through: authenticated bytes that are not a value mean a bug or a forged key
  }
  return err(appError('INTEGRITY_ERROR', 'A protected value failed its integrity check.', where));
}
