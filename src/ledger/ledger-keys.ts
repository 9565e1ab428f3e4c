import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';

export const LEDGER_PRIVATE_KEY_FILE = 'ledger-signing.key';
export const LEDGER_PUBLIC_KEY_FILE = 'ledger-signing.pub';

export interface LedgerKeys {
  readonly publicKey: KeyObject;
  /** Absent where only verification is needed (an auditor's copy of the public key). */
  readonly privateKey: KeyObject | undefined;
}

/** Creates the Ed25519 log key in the key directory if absent (private 0600), never overwriting it. */
export function ensureLedgerKey(keyDir: string): void {
  const privatePath = join(keyDir, LEDGER_PRIVATE_KEY_FILE);
  if (existsSync(privatePath)) return;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(privatePath, privateKey.export({ format: 'pem', type: 'pkcs8' }), {
    mode: 0o600,
    flag: 'wx',
  });
  writeFileSync(join(keyDir, LEDGER_PUBLIC_KEY_FILE), publicKey.export({ format: 'pem', type: 'spki' }), {
    mode: 0o644,
  });
}

export function loadLedgerKeys(keyDir: string): Result<LedgerKeys> {
  const privatePath = join(keyDir, LEDGER_PRIVATE_KEY_FILE);
  const publicPath = join(keyDir, LEDGER_PUBLIC_KEY_FILE);
  try {
    if (existsSync(privatePath)) {
      if ((statSync(privatePath).mode & 0o077) !== 0) {
        return err(
          appError(
            'KEY_UNAVAILABLE',
            'The ledger signing key must be readable by its owner only (chmod 600).',
          ),
        );
      }
      const privateKey = createPrivateKey(readFileSync(privatePath));
      return ok({ privateKey, publicKey: createPublicKey(privateKey) });
    }
    if (existsSync(publicPath))
      return ok({ privateKey: undefined, publicKey: createPublicKey(readFileSync(publicPath)) });
  } catch {
    return err(appError('KEY_UNAVAILABLE', 'The ledger key file is not a valid Ed25519 key.'));
  }
  return err(appError('KEY_UNAVAILABLE', 'The ledger signing key is missing from the key directory.'));
}
