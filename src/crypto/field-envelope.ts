import { open, sealAfter } from './aead.js';
import { associatedData } from './associated-data.js';

/**
 * The envelope of one protected field value:
 *   byte 0      format (0x01)
 *   bytes 1-4   data-key version (uint32 big-endian)
 *   bytes 5-    AES-256-GCM nonce || ciphertext || tag
 * The associated data binds the ciphertext to where it lives (study, participant, record, field, version)
 * and to the header, so a ciphertext copied to another row, field or version fails to decrypt.
 */
export const FIELD_ENVELOPE_FORMAT = 0x01;
const HEADER_BYTES = 5;
const AAD_LABEL = 'trialvault/field/v1';

export interface FieldContext {
  readonly studyId: string;
  readonly participantId: string;
  /** The record id, or a fixed name for participant-level values (e.g. "participant"). */
  readonly recordId: string;
  readonly field: string;
  readonly version: number;
}

function fieldAad(context: FieldContext, keyVersion: number): Buffer {
  return associatedData(AAD_LABEL, [
    FIELD_ENVELOPE_FORMAT,
    keyVersion,
    context.studyId,
    context.participantId,
    context.recordId,
    context.field,
    context.version,
  ]);
}

export function sealField(
  dataKey: Uint8Array,
  keyVersion: number,
  context: FieldContext,
  plaintext: Uint8Array,
): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(FIELD_ENVELOPE_FORMAT, 0);
  header.writeUInt32BE(keyVersion, 1);
  return sealAfter(header, dataKey, plaintext, fieldAad(context, keyVersion));
}

/** The data-key version an envelope was sealed under, or null when the bytes are not an envelope. */
export function envelopeKeyVersion(envelope: Uint8Array): number | null {
  if (envelope.length < HEADER_BYTES || envelope[0] !== FIELD_ENVELOPE_FORMAT) return null;
  return Buffer.from(envelope.buffer, envelope.byteOffset, envelope.length).readUInt32BE(1);
}

/** Plaintext, or null when the envelope was altered, moved, or sealed under another key. */
export function openField(dataKey: Uint8Array, context: FieldContext, envelope: Uint8Array): Buffer | null {
  const keyVersion = envelopeKeyVersion(envelope);
  if (keyVersion === null) return null;
  return open(dataKey, envelope.subarray(HEADER_BYTES), fieldAad(context, keyVersion));
}
