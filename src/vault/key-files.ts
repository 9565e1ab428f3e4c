import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { KEY_BYTES, randomKey } from '../crypto/aead.js';

export const MASTER_KEY_FILE = 'master.key';
const HEADER = 'trialvault-master-key-v1:';

export function masterKeyPath(keyDir: string): string {
  return join(keyDir, MASTER_KEY_FILE);
}

/** The key directory is kept apart from the data, 0700, so a copy of the data alone reveals nothing. */
export function ensureKeyDir(keyDir: string): void {
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  chmodSync(keyDir, 0o700);
}

/** Creates the master key file (0600) if absent; never overwrites an existing key. */
export function createMasterKeyFile(keyDir: string): { created: boolean } {
  ensureKeyDir(keyDir);
  const path = masterKeyPath(keyDir);
  if (existsSync(path)) return { created: false };
  writeFileSync(path, `${HEADER}${randomKey().toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return { created: true };
}

/** Writes a recovered master key (0600); never overwrites one (ransomware recovery, docs/backup.md). */
export function writeMasterKeyFile(keyDir: string, key: Buffer): void {
  ensureKeyDir(keyDir);
  writeFileSync(masterKeyPath(keyDir), `${HEADER}${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
}

export function readMasterKeyFile(keyDir: string): Result<Buffer> {
  const path = masterKeyPath(keyDir);
  if (!existsSync(path)) {
    return err(
      appError(
        'KEY_UNAVAILABLE',
        'The master key file is missing: run "trialvault init" or set TRIALVAULT_KEY_DIR.',
        {
          file: MASTER_KEY_FILE,
        },
      ),
    );
  }
  // A key readable by group or others is refused rather than used (ASVS 13.3.1).
  if ((statSync(path).mode & 0o077) !== 0) {
    return err(
      appError('KEY_UNAVAILABLE', 'The master key file must be readable by its owner only (chmod 600).'),
    );
  }
  const text = readFileSync(path, 'utf8').trim();
  const key = text.startsWith(HEADER) ? Buffer.from(text.slice(HEADER.length), 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES) {
    return err(appError('KEY_UNAVAILABLE', 'The master key file is not a TrialVault master key.'));
  }
  return ok(key);
}
