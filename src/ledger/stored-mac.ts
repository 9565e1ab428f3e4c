import { timingSafeEqual } from 'node:crypto';

/**
 * Whether a MAC column, as read, holds `expected`. The embedded store keeps whatever type SQL wrote:
 * a TEXT or INTEGER forged into a BLOB column is a MAC that fails, never an exception that stops the
 * server's checks (review cv CV-4). Constant time over MACs of the right length.
 */
export function storedMacHolds(expected: Buffer, stored: unknown): boolean {
  return (
    stored instanceof Uint8Array && stored.length === expected.length && timingSafeEqual(expected, stored)
  );
}

/**
 * A MAC column's value as bytes, to tell one read of it from another (null stays null). A value that
 * is not binary is tagged with its type, so it never equals the bytes of a real MAC.
 */
export function storedMacBytes(stored: unknown): Buffer | null {
  if (stored === null || stored === undefined) return null;
  if (stored instanceof Uint8Array) return Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  return Buffer.from(`\u0000${typeof stored}:${String(stored)}`, 'utf8');
}
