import { sql } from 'kysely';
import type { Settings } from '../config/settings.js';
import type { Actor } from '../core/actor.js';
import { type Clock, systemClock } from '../core/clock.js';
import { ok, type Result } from '../core/result.js';
import { DemoService } from '../demo/service.js';
import { FormService } from '../forms/service.js';
import { ImportService } from '../import/service.js';
import { ParticipantService } from '../participants/service.js';
import { RecordService } from '../records/service.js';
import { locateStore, openStore, type Store, type StoreLocation } from '../storage/store.js';
import { StudyService } from '../studies/service.js';
import { initializeStore, type KeySource, unlockStore } from '../vault/bootstrap.js';
import type { VaultDeps } from '../vault/deps.js';
import type { Keyring } from '../vault/keyring.js';
import { KeyRotationService } from '../vault/rotation.js';

/** The composition root: one store, one keyring, and the services built on them. */
export interface Vault {
  readonly store: Store;
  readonly deps: VaultDeps;
  readonly keyring: Keyring;
  readonly studies: StudyService;
  readonly forms: FormService;
  readonly participants: ParticipantService;
  readonly records: RecordService;
  readonly keys: KeyRotationService;
  readonly imports: ImportService;
  readonly demo: DemoService;
  close(): Promise<void>;
}

export interface VaultOptions {
  readonly clock?: Clock;
}

/** Purges pages freed by an erasure, so the destroyed key does not linger in the WAL or dead tuples. */
export function freedPagePurger(store: Store): () => Promise<void> {
  return async () => {
    if (store.dialect === 'sqlite') await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);
    else await sql`VACUUM participant_keys`.execute(store.db);
  };
}

export function buildVault(store: Store, keyring: Keyring, options: VaultOptions = {}): Vault {
  const deps: VaultDeps = { db: store.db, clock: options.clock ?? systemClock, keyring };
  const forms = new FormService(deps);
  const participants = new ParticipantService(deps, freedPagePurger(store));
  const records = new RecordService(deps, forms);
  const studies = new StudyService(deps);
  return {
    store,
    deps,
    keyring,
    studies,
    forms,
    participants,
    records,
    keys: new KeyRotationService(deps),
    imports: new ImportService(deps, forms, participants, records),
    demo: new DemoService(deps, studies, forms, participants, records),
    close: () => store.close(),
  };
}

export function storeLocation(settings: Settings): StoreLocation {
  return locateStore(settings.dataDir, settings.dbUrl);
}

export function keySource(settings: Settings): KeySource {
  return { keyDir: settings.keyDir, passphrase: settings.passphrase };
}

/** Opens an initialized store and unlocks its keys; the store is closed again on failure. */
export async function openVault(
  location: StoreLocation,
  source: KeySource,
  options: VaultOptions = {},
): Promise<Result<Vault>> {
  const store = await openStore(location);
  const keyring = await unlockStore(store.db, source);
  if (!keyring.ok) {
    await store.close();
    return keyring;
  }
  return ok(buildVault(store, keyring.value, options));
}

/** Creates (if needed) and opens a store: what `trialvault init` and `start` do. */
export async function initVault(
  location: StoreLocation,
  source: KeySource,
  actor: Actor,
  options: VaultOptions = {},
): Promise<Result<Vault & { created: boolean }>> {
  const store = await openStore(location);
  const init = await initializeStore(store.db, source, options.clock ?? systemClock, actor);
  if (!init.ok) {
    await store.close();
    return init;
  }
  const keyring = await unlockStore(store.db, source);
  if (!keyring.ok) {
    await store.close();
    return keyring;
  }
  return ok({ ...buildVault(store, keyring.value, options), created: init.value.created });
}
