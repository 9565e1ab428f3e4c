import { createHash, createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { newBackupKeyPair } from './chunk-crypto.js';

/**
 * What the server keeps (key directory, `backup.json`): the target, the backup PUBLIC key and the key
 * that names chunks. The private restore key never stays on the server: `backup init` writes it to a
 * file for the operator to keep offline, with the manifest-signing public key and the prune credential.
 */
export interface BackupConfig {
  readonly target: string;
  readonly publicKey: KeyObject;
  readonly idKey: Buffer;
  readonly pruneHash: string;
}

export interface RestoreKey {
  readonly privateKey: KeyObject;
  /** The server's manifest-signing key (its ledger key): only manifests it signed are trusted. */
  readonly signer: KeyObject;
  readonly pruneSecret: string;
}

const CONFIG_FILE = 'backup.json';
const RESTORE_FORMAT = 'trialvault-restore-key-v1';

export const backupConfigPath = (keyDir: string) => join(keyDir, CONFIG_FILE);

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function createBackupKeys(
  keyDir: string,
  target: string,
  restoreKeyOut: string,
  signer: KeyObject,
): Result<{ config: BackupConfig; fingerprint: string }> {
  if (existsSync(restoreKeyOut))
    return err(appError('ALREADY_EXISTS', 'The restore key file exists already; choose a new path.'));
  const { publicKey, privateKey } = newBackupKeyPair();
  const idKey = randomBytes(32);
  const pruneSecret = randomBytes(32).toString('base64url');
  writeFileSync(
    restoreKeyOut,
    `${JSON.stringify(
      {
        format: RESTORE_FORMAT,
        restoreKey: privateKey.export({ format: 'pem', type: 'pkcs8' }),
        signer: signer.export({ format: 'pem', type: 'spki' }),
        prune: pruneSecret,
        note: 'Keep this file offline, away from the server: it is the only way to read TrialVault backups.',
      },
      null,
      2,
    )}\n`,
    { mode: 0o600, flag: 'wx' },
  );
  const publicPem = String(publicKey.export({ format: 'pem', type: 'spki' }));
  const config = {
    target,
    publicKey: publicPem,
    idKey: idKey.toString('base64'),
    pruneHash: sha256Hex(pruneSecret),
  };
  writeFileSync(backupConfigPath(keyDir), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return ok({
    config: { target, publicKey, idKey, pruneHash: config.pruneHash },
    fingerprint: sha256Hex(publicPem).slice(0, 16),
  });
}

export function loadBackupConfig(keyDir: string): Result<BackupConfig> {
  const path = backupConfigPath(keyDir);
  if (!existsSync(path)) {
    return err(
      appError(
        'CONFIG_INVALID',
        'Backups are not set up: run "trialvault backup init --to TARGET --restore-key-out FILE".',
      ),
    );
  }
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as {
      target: string;
      publicKey: string;
      idKey: string;
      pruneHash: string;
    };
    return ok({
      target: raw.target,
      publicKey: createPublicKey(raw.publicKey),
      idKey: Buffer.from(raw.idKey, 'base64'),
      pruneHash: raw.pruneHash,
    });
  } catch {
    return err(appError('CONFIG_INVALID', 'The backup configuration in the key directory is damaged.'));
  }
}

export function loadRestoreKey(file: string): Result<RestoreKey> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    raw = undefined;
  }
  return parseRestoreKey(raw);
}

/** A restore key file's contents (also kept inside an escrowed key bundle). */
export function parseRestoreKey(value: unknown): Result<RestoreKey> {
  try {
    const raw = value as { format?: string; restoreKey: string; signer: string; prune: string };
    if (raw?.format !== RESTORE_FORMAT) throw new Error('format');
    return ok({
      privateKey: createPrivateKey(raw.restoreKey),
      signer: createPublicKey(raw.signer),
      pruneSecret: raw.prune,
    });
  } catch {
    return err(
      appError('KEY_UNAVAILABLE', 'The restore key file is missing or not a TrialVault restore key.'),
    );
  }
}
