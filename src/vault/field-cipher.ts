import { appError } from '../core/errors.js';
import { canonicalCodes, type FieldValue, isCanonicalCodes } from '../core/field-value.js';
import { err, ok, type Result } from '../core/result.js';
import { type FieldContext, openField, sealField } from '../crypto/field-envelope.js';
import type { ParticipantKey } from './keyring.js';

/** Seals one protected value under the participant's data key; returns the envelope as base64. */
export function sealValue(key: ParticipantKey, context: FieldContext, value: FieldValue): string {
  return sealField(key.key, key.version, context, encodeValue(value)).toString('base64');
}

/**
 * The plaintext of a value: its JSON. A multichoice list is encoded in canonical form (distinct codes,
 * sorted), so one set of ticked boxes has exactly one plaintext whatever order it was ticked in.
 */
export function encodeValue(value: FieldValue): Buffer {
  const canonical = Array.isArray(value) ? canonicalCodes(value) : value;
  return Buffer.from(JSON.stringify(canonical), 'utf8');
}

/** The value of a plaintext, or null when it is not one encodeValue makes (non-canonical lists too). */
export function decodeValue(plaintext: Buffer): FieldValue | null {
  try {
    const value: unknown = JSON.parse(plaintext.toString('utf8'));
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    if (isCanonicalCodes(value)) return value;
  } catch {
    // fall through: not JSON
  }
  return null;
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
  const value = decodeValue(plaintext);
  // Authenticated bytes that are not a value mean a bug or a forged key.
  if (value !== null) return ok(value);
  return err(appError('INTEGRITY_ERROR', 'A protected value failed its integrity check.', where));
}
