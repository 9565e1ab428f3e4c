import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Database } from '../storage/schema.js';
import type { Keyring } from './keyring.js';

/** What every service is built from: the store, server time and the key hierarchy. */
export interface VaultDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly keyring: Keyring;
}
