import { createHmac } from 'node:crypto';

/**
 * Per-export pseudonyms (HIPAA 164.514(c): a re-identification code not derived from the identity
 * itself): HMAC of the participant id under the export's own secret, so two exports never share a
 * pseudonym and the code reveals nothing without the key. Canary subjects use the same space.
 */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

export function pseudonym(exportSecret: Uint8Array, participantId: string): string {
  const mac = createHmac('sha256', exportSecret).update(`subject\u0000${participantId}`).digest();
  let out = 'X';
  for (let i = 0; i < 9; i++) out += ALPHABET[(mac[i] as number) % ALPHABET.length];
  return out;
}

/** The id of the n-th synthetic canary participant of an export (never a real participant id). */
export function canaryId(n: number): string {
  return `canary:${n}`;
}
