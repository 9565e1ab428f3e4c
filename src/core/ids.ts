import { randomUUID } from 'node:crypto';

/** Random (v4) identifiers from the platform CSPRNG: unguessable, never reused. */
export function newId(): string {
  return randomUUID();
}
