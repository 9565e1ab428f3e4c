import { createHash } from 'node:crypto';
import { Encrypter } from 'age-encryption';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';

/** An age X25519 recipient: "age1" and 58 bech32 characters (the age v1 spec, "Recipient encoding"). */
const X25519_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

/**
 * Checks a recipient's age public key before it is registered: the shape first (so the message is
 * clear), then typage's own bech32 checksum. A malformed key is refused, never stored, so an export
 * can never fall back to plaintext because a key was mistyped (issue #16).
 */
export function parseAgeRecipient(input: string): Result<string> {
  const key = input.trim();
  if (!X25519_RECIPIENT.test(key))
    return err(
      appError(
        'VALIDATION_FAILED',
        'ageRecipient must be an age X25519 public key: "age1" and 58 characters.',
      ),
    );
  try {
    new Encrypter().addRecipient(key);
  } catch {
    return err(appError('VALIDATION_FAILED', 'ageRecipient has an invalid checksum (mistyped key?).'));
  }
  return ok(key);
}

/** A short, stable name of a recipient key for reports and audit events (never the key is secret). */
export function ageKeyFingerprint(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32)}`;
}
