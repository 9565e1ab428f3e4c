import { createHmac } from 'node:crypto';

/** HMAC-SHA-256 of the parts (NUL-separated) under a key: every keyed choice of the export engine. */
export function keyed(key: Uint8Array, ...parts: string[]): Buffer {
  return createHmac('sha256', key).update(parts.join('\u0000')).digest();
}

/** The export's own secret, derived from the study's export key and the export id. */
export function exportSecret(studyKey: Uint8Array, exportId: string): Buffer {
  return keyed(studyKey, 'export', exportId);
}
