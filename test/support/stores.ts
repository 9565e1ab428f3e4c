import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { initVault, type Vault } from '../../src/app/vault.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import type { Clock } from '../../src/core/clock.js';
import { expectOk } from '../../src/core/result.js';
import type { Dialect } from '../../src/storage/dialect.js';
import type { StoreLocation } from '../../src/storage/store.js';

const pgUrl = inject('pgUrl');

/** Every storage and service test runs once per dialect; PostgreSQL is required in CI. */
export const DIALECTS: readonly Dialect[] = pgUrl === '' ? ['sqlite'] : ['sqlite', 'postgres'];

export interface TestPlace {
  readonly location: StoreLocation;
  readonly keyDir: string;
  readonly dir: string;
  cleanup(): Promise<void>;
}

/** A fresh, empty store location: a temporary SQLite file, or a new PostgreSQL schema. */
export async function freshPlace(dialect: Dialect): Promise<TestPlace> {
  const dir = mkdtempSync(join(tmpdir(), 'tv-test-'));
  const keyDir = join(dir, 'keys');
  if (dialect === 'sqlite') {
    return {
      location: { dialect, file: join(dir, 'trialvault.db') },
      keyDir,
      dir,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `tv_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  return {
    location: { dialect, url: pgUrl, schema, poolSize: 4 },
    keyDir,
    dir,
    cleanup: async () => {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestVault extends TestPlace {
  readonly vault: Vault;
}

export async function freshVault(dialect: Dialect, options: { clock?: Clock } = {}): Promise<TestVault> {
  const place = await freshPlace(dialect);
  const vault = expectOk(
    await initVault(place.location, { keyDir: place.keyDir, passphrase: undefined }, CLI_ACTOR, options),
  );
  return {
    ...place,
    vault,
    cleanup: async () => {
      await vault.close();
      await place.cleanup();
    },
  };
}
