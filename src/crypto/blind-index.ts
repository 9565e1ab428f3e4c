import { createHmac, hkdfSync } from 'node:crypto';
import type { IdentifierKind } from './identifier-kinds.js';

/**
 * Blind index: exact-match lookup of an identifier through a keyed HMAC of its normalised form, so the
 * database never holds, and a lookup never decrypts, the identifier itself. The key is separate from
 * the encryption keys and derived per study, so the same e-mail in two studies gives unlinkable tokens.
 */
export { IDENTIFIER_KINDS, type IdentifierKind } from './identifier-kinds.js';

export function normaliseIdentifier(kind: IdentifierKind, value: string): string {
  const text = value.normalize('NFKC').trim();
  switch (kind) {
    case 'email':
      return text.toLowerCase();
    case 'phone': {
      // Keep digits only; a leading + marks an international number and is kept as "+".
      const digits = text.replace(/\D/g, '');
      return text.startsWith('+') ? `+${digits}` : digits;
    }
    case 'mrn':
      return text.toUpperCase().replace(/[\s-]/g, '');
  }
}

export function studyBlindIndexKey(rootKey: Uint8Array, studyId: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', rootKey, Buffer.alloc(0), `trialvault/blind-index/v1/${studyId}`, 32),
  );
}

export function blindIndexToken(studyKey: Uint8Array, kind: IdentifierKind, value: string): Buffer {
  return createHmac('sha256', studyKey)
    .update(`${kind}\u0000${normaliseIdentifier(kind, value)}`)
    .digest();
}
