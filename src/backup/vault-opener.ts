import type { Actor } from '../core/actor.js';
import type { Result } from '../core/result.js';
import type { DemoService } from '../demo/service.js';
import type { LedgerService } from '../ledger/service.js';
import type { ParticipantService } from '../participants/service.js';
import type { Store, StoreLocation } from '../storage/store.js';
import type { KeySource } from '../vault/bootstrap.js';
import type { VaultDeps } from '../vault/deps.js';
import type { BackupVault } from './service.js';
import type { GrowthVault } from './synthetic-growth.js';

/** What a verify or a restore uses of the vault it opens on a restored copy. */
export interface RestoredVault {
  readonly store: Store;
  readonly deps: VaultDeps;
  readonly ledger: LedgerService;
  readonly participants: Pick<ParticipantService, 'erase'>;
  close(): Promise<void>;
}

/**
 * Opens a store with its keys. backup/ sits below app/ (docs/architecture.md: one direction), so the
 * composition root's `openVault` is handed down by the face (cli/, a test) instead of imported here.
 */
export type VaultOpener<V extends RestoredVault = RestoredVault> = (
  location: StoreLocation,
  source: KeySource,
) => Promise<Result<V>>;

/** What the ransomware drill uses of a whole vault; the composition root's Vault passes as itself. */
export interface DrillVault extends RestoredVault, BackupVault, GrowthVault {
  readonly participants: ParticipantService;
  readonly demo: Pick<DemoService, 'seed'>;
}

/** Creating and opening whole vaults for the drill (`initVault`, `openVault` of app/, handed down). */
export interface DrillVaults {
  readonly init: (location: StoreLocation, source: KeySource, actor: Actor) => Promise<Result<DrillVault>>;
  readonly open: VaultOpener<DrillVault>;
}
