import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { LEDGER_PRIVATE_KEY_FILE, LEDGER_PUBLIC_KEY_FILE, loadLedgerKeys } from '../ledger/ledger-keys.js';
import { getMeta } from '../storage/meta-repo.js';
import type { Database } from '../storage/schema.js';
import { ensureKeyDir, MASTER_KEY_FILE, readMasterKeyFile, writeMasterKeyFile } from '../vault/key-files.js';
import { backupConfigPath, loadBackupConfig } from './backup-config.js';
import { openChunk, sealChunk } from './chunk-crypto.js';

/**
 * Everything outside the store that opens its data (ransomware recovery, docs/backup.md): the master key
 * (or, for a passphrase store, the KDF's salt and parameters: the passphrase itself is never written),
 * the ledger signing key, the wrapped blind-index root and ledger MAC key (as the store keeps them,
 * opened by the master key), and the backup configuration with the chunk-naming key. Optionally the
 * offline restore key file (escrow only: the restore key never goes into a backup).
 */
export interface KeyBundle {
  readonly format: 'trialvault-key-bundle-v1';
  readonly storeId: string;
  readonly keyMode: 'file' | 'passphrase';
  /** base64, file mode only. */
  readonly masterKey?: string;
  /** Passphrase mode: scrypt N=2^17, r=8, p=1 (src/crypto/passphrase-key.ts) with this salt. */
  readonly kdf?: {
    readonly algorithm: 'scrypt';
    readonly n: number;
    readonly r: number;
    readonly p: number;
    readonly salt: string;
  };
  /** As the store's meta table keeps them (wrapped under the master key). */
  readonly wrapped: {
    readonly keyCheck: string;
    readonly blindIndexRoot: string;
    readonly ledgerMacKey: string;
  };
  readonly ledgerSigningKey: string;
  /** backup.json of the key directory (target, backup public key, chunk-naming key, prune hash). */
  readonly backupConfig?: Record<string, unknown>;
  /** The restore key file's contents (escrow only). */
  readonly restoreKeyFile?: Record<string, unknown>;
}

const FORMAT = 'trialvault-key-bundle-v1';

/** Store meta values the bundle carries (read by the caller from the store). */
export interface StoreKeyMeta {
  readonly storeId: string;
  readonly keyMode: 'file' | 'passphrase';
  readonly kdfSalt: string | undefined;
  readonly keyCheck: string;
  readonly blindIndexRoot: string;
  readonly ledgerMacKey: string;
}

/** The key values the store keeps in its meta table; undefined for a store that is not initialized. */
export async function readStoreKeyMeta(db: Kysely<Database>): Promise<StoreKeyMeta | undefined> {
  const [storeId, keyMode, kdfSalt, keyCheck, blindIndexRoot, ledgerMacKey] = await Promise.all(
    ['store_id', 'key_mode', 'kdf_salt', 'key_check', 'blind_index_root', 'ledger_mac_key'].map((k) =>
      getMeta(db, k),
    ),
  );
  if (storeId === undefined || (keyMode !== 'file' && keyMode !== 'passphrase')) return undefined;
  return {
    storeId,
    keyMode,
    kdfSalt,
    keyCheck: keyCheck ?? '',
    blindIndexRoot: blindIndexRoot ?? '',
    ledgerMacKey: ledgerMacKey ?? '',
  };
}

/** Collects the bundle from a working key directory and the store's meta. */
export function collectKeyBundle(keyDir: string, meta: StoreKeyMeta): Result<KeyBundle> {
  const ledger = loadLedgerKeys(keyDir);
  if (!ledger.ok) return ledger;
  if (ledger.value.privateKey === undefined)
    return err(appError('KEY_UNAVAILABLE', 'The ledger signing key is missing from the key directory.'));
  let masterKey: string | undefined;
  if (meta.keyMode === 'file') {
    const key = readMasterKeyFile(keyDir);
    if (!key.ok) return key;
    masterKey = key.value.toString('base64');
  }
  const backupConfig = existsSync(backupConfigPath(keyDir))
    ? (JSON.parse(readFileSync(backupConfigPath(keyDir), 'utf8')) as Record<string, unknown>)
    : undefined;
  return ok({
    format: FORMAT,
    storeId: meta.storeId,
    keyMode: meta.keyMode,
    ...(masterKey === undefined ? {} : { masterKey }),
    ...(meta.kdfSalt === undefined
      ? {}
      : { kdf: { algorithm: 'scrypt' as const, n: 2 ** 17, r: 8, p: 1, salt: meta.kdfSalt } }),
    wrapped: {
      keyCheck: meta.keyCheck,
      blindIndexRoot: meta.blindIndexRoot,
      ledgerMacKey: meta.ledgerMacKey,
    },
    ledgerSigningKey: String(ledger.value.privateKey.export({ format: 'pem', type: 'pkcs8' })),
    ...(backupConfig === undefined ? {} : { backupConfig }),
  });
}

/** The bundle as bytes, with a digest inside, so a wrong combination of shares is told apart. */
export function bundleBytes(bundle: KeyBundle): Buffer {
  const body = JSON.stringify(bundle);
  const digest = createHash('sha256').update(body).digest('hex');
  return Buffer.from(JSON.stringify({ bundle: body, sha256: digest }), 'utf8');
}

export function parseBundle(bytes: Uint8Array): Result<KeyBundle> {
  const refused = err<KeyBundle>(
    appError('KEY_UNAVAILABLE', 'The key-recovery material does not open to a TrialVault key bundle.'),
  );
  try {
    const outer = JSON.parse(Buffer.from(bytes).toString('utf8')) as { bundle?: unknown; sha256?: unknown };
    if (typeof outer.bundle !== 'string') return refused;
    if (createHash('sha256').update(outer.bundle).digest('hex') !== outer.sha256) return refused;
    const bundle = JSON.parse(outer.bundle) as KeyBundle;
    if (bundle.format !== FORMAT || typeof bundle.ledgerSigningKey !== 'string') return refused;
    createPrivateKey(bundle.ledgerSigningKey);
    return ok(bundle);
  } catch {
    return refused;
  }
}

/** Sealed to the backup public key, like a chunk, under a name bound to the manifest id. */
export const sealBundle = (recipient: KeyObject, manifestId: string, bundle: KeyBundle) =>
  sealChunk(recipient, `keys/${manifestId}`, bundleBytes(bundle)).toString('base64');

export function openSealedBundle(
  restoreKey: KeyObject,
  manifestId: string,
  sealed: string,
): Result<KeyBundle> {
  const opened = openChunk(restoreKey, `keys/${manifestId}`, Buffer.from(sealed, 'base64'));
  if (opened === null)
    return err(
      appError('INTEGRITY_ERROR', 'The keys sealed in the backup manifest do not open.', {
        backup: manifestId,
      }),
    );
  return parseBundle(opened);
}

/**
 * Recreates a key directory (0700, keys 0600) from a bundle; refuses a directory that already holds
 * keys (never overwrites a key). Returns the files written.
 */
export function writeKeyDirectory(bundle: KeyBundle, keyDir: string): Result<string[]> {
  const taken = [MASTER_KEY_FILE, LEDGER_PRIVATE_KEY_FILE, 'backup.json'].filter((f) =>
    existsSync(join(keyDir, f)),
  );
  if (taken.length > 0 || (existsSync(keyDir) && readdirSync(keyDir).length > 0))
    return err(
      appError('ALREADY_EXISTS', 'The key directory for the restore is not empty; name a new one.', {
        files: taken,
      }),
    );
  ensureKeyDir(keyDir);
  const written: string[] = [];
  const put = (name: string, text: string, mode: number) => {
    writeFileSync(join(keyDir, name), text, { mode, flag: 'wx' });
    written.push(name);
  };
  if (bundle.masterKey !== undefined) {
    writeMasterKeyFile(keyDir, Buffer.from(bundle.masterKey, 'base64'));
    written.push(MASTER_KEY_FILE);
  }
  const signing = createPrivateKey(bundle.ledgerSigningKey);
  put(LEDGER_PRIVATE_KEY_FILE, String(signing.export({ format: 'pem', type: 'pkcs8' })), 0o600);
  put(
    LEDGER_PUBLIC_KEY_FILE,
    String(createPublicKey(signing).export({ format: 'pem', type: 'spki' })),
    0o600,
  );
  if (bundle.backupConfig !== undefined)
    put('backup.json', `${JSON.stringify(bundle.backupConfig, null, 2)}\n`, 0o600);
  if (bundle.backupConfig !== undefined && !loadBackupConfig(keyDir).ok)
    return err(appError('INTEGRITY_ERROR', 'The backup configuration in the key bundle is damaged.'));
  return ok(written);
}
