import type { Kysely } from 'kysely';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { randomKey } from '../crypto/aead.js';
import { type KeyProvider, LocalKeyProvider } from '../crypto/key-provider.js';
import { deriveMasterKey, MIN_PASSPHRASE_LENGTH, newPassphraseSalt } from '../crypto/passphrase-key.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { getMeta, setMeta } from '../storage/meta-repo.js';
import type { Database } from '../storage/schema.js';
import { transact } from '../storage/transact.js';
import { createMasterKeyFile, readMasterKeyFile } from './key-files.js';
import { Keyring } from './keyring.js';
import { META } from './vault-bindings.js';

export interface KeySource {
  readonly keyDir: string;
  readonly passphrase: string | undefined;
  /** The ledger witness file (default: witness.log in the key directory) and optional webhook. */
  readonly witnessFile?: string | undefined;
  readonly witnessUrl?: string | undefined;
}

import { KEY_CHECK_CONTEXT, KEY_CHECK_PLAINTEXT } from './key-check.js';

const BLIND_INDEX_CONTEXT = 'store/blind-index-root';
const LEDGER_MAC_CONTEXT = 'store/ledger-mac';

async function providerFor(source: KeySource, mode: 'file' | 'passphrase', salt: string | undefined) {
  if (mode === 'passphrase') {
    if (source.passphrase === undefined) {
      return err<KeyProvider>(
        appError('KEY_UNAVAILABLE', 'This store is protected by a passphrase: set TRIALVAULT_PASSPHRASE.'),
      );
    }
    if (salt === undefined)
      return err<KeyProvider>(appError('INTEGRITY_ERROR', 'The store has no passphrase salt.'));
    const key = await deriveMasterKey(source.passphrase, Buffer.from(salt, 'base64'));
    return ok<KeyProvider>(new LocalKeyProvider(key, 'passphrase'));
  }
  const key = readMasterKeyFile(source.keyDir);
  if (!key.ok) return key;
  return ok<KeyProvider>(new LocalKeyProvider(key.value, 'key file'));
}

/**
 * Makes a new store usable: the master key (key file, or passphrase with a stored salt), a key check
 * that tells a wrong key from a corrupted store, and the wrapped blind-index root key. Idempotent.
 */
export async function initializeStore(
  db: Kysely<Database>,
  source: KeySource,
  clock: Clock,
  actor: Actor,
): Promise<Result<{ created: boolean; keyMode: 'file' | 'passphrase' }>> {
  const existing = await getMeta(db, 'key_mode');
  if (existing !== undefined) return ok({ created: false, keyMode: existing as 'file' | 'passphrase' });
  const keyMode = source.passphrase === undefined ? 'file' : 'passphrase';
  if (keyMode === 'passphrase' && (source.passphrase ?? '').length < MIN_PASSPHRASE_LENGTH) {
    return err(
      appError(
        'CONFIG_INVALID',
        `TRIALVAULT_PASSPHRASE must be at least ${MIN_PASSPHRASE_LENGTH} characters.`,
      ),
    );
  }
  if (keyMode === 'file') createMasterKeyFile(source.keyDir);
  const salt = keyMode === 'passphrase' ? newPassphraseSalt().toString('base64') : undefined;
  const provider = await providerFor(source, keyMode, salt);
  if (!provider.ok) return provider;
  const keyCheck = await provider.value.wrap(KEY_CHECK_PLAINTEXT, KEY_CHECK_CONTEXT);
  const blindRootKey = randomKey();
  const blindRoot = await provider.value.wrap(blindRootKey, BLIND_INDEX_CONTEXT);
  const ledgerMacKey = randomKey();
  const ledgerMac = await provider.value.wrap(ledgerMacKey, LEDGER_MAC_CONTEXT);
  const sealer = { clock, keyring: new Keyring(provider.value, blindRootKey, ledgerMacKey) };
  return transact(db, async (trx) => {
    const storeId = newId();
    await setMeta(trx, 'store_id', storeId);
    await setMeta(trx, 'created_at', clock.now().toISOString());
    await setMeta(trx, 'key_mode', keyMode);
    if (salt !== undefined) await setMeta(trx, 'kdf_salt', salt);
    await setMeta(trx, 'key_check', keyCheck.toString('base64'));
    await setMeta(trx, 'blind_index_root', blindRoot.toString('base64'));
    await setMeta(trx, 'ledger_mac_key', ledgerMac.toString('base64'));
    const written = ['store_id', 'created_at', 'key_mode', 'key_check', 'blind_index_root', 'ledger_mac_key'];
    await appendAuditEvent(trx, sealer, {
      actor,
      action: 'store.init',
      target: storeId,
      details: { keyMode },
      // The store's settings are sealed like any row (issue #17): `verify` names one changed in SQL.
      seals: [...written, ...(salt === undefined ? [] : ['kdf_salt'])].map((key) => [META, [key]] as const),
    });
    return ok({ created: true, keyMode });
  });
}

/** Opens the key hierarchy of an initialized store; a wrong key or passphrase is refused, not guessed at. */
export async function unlockStore(db: Kysely<Database>, source: KeySource): Promise<Result<Keyring>> {
  const keyMode = await getMeta(db, 'key_mode');
  if (keyMode === undefined) {
    return err(appError('STORE_NOT_INITIALIZED', 'The store is not initialized: run "trialvault init".'));
  }
  if (keyMode !== 'file' && keyMode !== 'passphrase') {
    return err(appError('INTEGRITY_ERROR', 'The store names an unknown key mode.'));
  }
  const provider = await providerFor(source, keyMode, await getMeta(db, 'kdf_salt'));
  if (!provider.ok) return provider;
  const keyCheck = Buffer.from((await getMeta(db, 'key_check')) ?? '', 'base64');
  const checked = await provider.value.unwrap(keyCheck, KEY_CHECK_CONTEXT);
  if (checked === null || !checked.equals(KEY_CHECK_PLAINTEXT)) {
    return keyMode === 'passphrase'
      ? err(appError('WRONG_PASSPHRASE', 'The passphrase does not unlock this store.'))
      : err(appError('KEY_UNAVAILABLE', 'The master key file does not belong to this store.'));
  }
  const blindRoot = await provider.value.unwrap(
    Buffer.from((await getMeta(db, 'blind_index_root')) ?? '', 'base64'),
    BLIND_INDEX_CONTEXT,
  );
  if (blindRoot === null)
    return err(appError('INTEGRITY_ERROR', 'The blind-index key failed its integrity check.'));
  const wrappedMac = await getMeta(db, 'ledger_mac_key');
  if (wrappedMac === undefined) {
    // Only a store made before the ledger has no MAC key: once an event carries a MAC, a missing key was
    // deleted, and a fresh one would be an unaudited key replacement (issue #17).
    const maced = await db
      .selectFrom('audit_events')
      .select('seq')
      .where('leaf_mac', 'is not', null)
      .limit(1)
      .executeTakeFirst();
    if (maced !== undefined)
      return err(appError('INTEGRITY_ERROR', 'The ledger MAC key is missing from the store.'));
    // A store made before the ledger: its MAC key is made now; earlier events rely on checkpoints.
    const fresh = randomKey();
    await setMeta(
      db,
      'ledger_mac_key',
      (await provider.value.wrap(fresh, LEDGER_MAC_CONTEXT)).toString('base64'),
    );
    return ok(new Keyring(provider.value, blindRoot, fresh));
  }
  const ledgerMacKey = await provider.value.unwrap(Buffer.from(wrappedMac, 'base64'), LEDGER_MAC_CONTEXT);
  if (ledgerMacKey === null)
    return err(appError('INTEGRITY_ERROR', 'The ledger MAC key failed its integrity check.'));
  return ok(new Keyring(provider.value, blindRoot, ledgerMacKey));
}
