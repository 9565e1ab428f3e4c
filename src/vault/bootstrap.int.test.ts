import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshPlace, type TestPlace } from '../../test/support/stores.js';
import { initVault, openVault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { masterKeyPath } from './key-files.js';

for (const dialect of DIALECTS) {
  describe(`store bootstrap (${dialect})`, () => {
    let place: TestPlace;
    afterEach(async () => place.cleanup());

    it('creates a 0600 master key in a 0700 key directory, and reopens the store with it', async () => {
      place = await freshPlace(dialect);
      const source = { keyDir: place.keyDir, passphrase: undefined };
      const vault = expectOk(await initVault(place.location, source, CLI_ACTOR));
      expect(vault.created).toBe(true);
      await vault.close();
      expect(statSync(place.keyDir).mode & 0o777).toBe(0o700);
      expect(statSync(masterKeyPath(place.keyDir)).mode & 0o777).toBe(0o600);
      const again = expectOk(await initVault(place.location, source, CLI_ACTOR));
      expect(again.created).toBe(false);
      await again.close();
      await expectOk(await openVault(place.location, source)).close();
    });

    it('refuses a missing, foreign, corrupt or world-readable master key (ASVS 13.3.1)', async () => {
      place = await freshPlace(dialect);
      const source = { keyDir: place.keyDir, passphrase: undefined };
      await expectOk(await initVault(place.location, source, CLI_ACTOR)).close();
      const path = masterKeyPath(place.keyDir);
      const original = readFileSync(path);

      chmodSync(path, 0o644);
      const loose = await openVault(place.location, source);
      expect(loose.ok ? null : loose.error.code).toBe('KEY_UNAVAILABLE');

      rmSync(path);
      const missing = await openVault(place.location, source);
      expect(missing.ok ? null : missing.error.code).toBe('KEY_UNAVAILABLE');

      writeFileSync(path, `trialvault-master-key-v1:${Buffer.alloc(32, 7).toString('base64')}\n`, {
        mode: 0o600,
      });
      const foreign = await openVault(place.location, source);
      expect(foreign.ok ? null : foreign.error).toMatchObject({
        code: 'KEY_UNAVAILABLE',
        message: expect.stringContaining('does not belong'),
      });

      writeFileSync(path, 'not a key', { mode: 0o600 });
      const corrupt = await openVault(place.location, source);
      expect(corrupt.ok ? null : corrupt.error.code).toBe('KEY_UNAVAILABLE');

      writeFileSync(path, original, { mode: 0o600 });
      await expectOk(await openVault(place.location, source)).close();
    });

    it('derives the master key from a passphrase; a wrong one is refused, a missing one named', async () => {
      place = await freshPlace(dialect);
      const good = { keyDir: place.keyDir, passphrase: 'correct horse battery staple' };
      const short = await initVault(
        place.location,
        { keyDir: place.keyDir, passphrase: 'too short' },
        CLI_ACTOR,
      );
      expect(short.ok ? null : short.error.code).toBe('CONFIG_INVALID');
      await expectOk(await initVault(place.location, good, CLI_ACTOR)).close();
      const wrong = await openVault(place.location, {
        ...good,
        passphrase: 'incorrect horse battery staple',
      });
      expect(wrong.ok ? null : wrong.error.code).toBe('WRONG_PASSPHRASE');
      const none = await openVault(place.location, { ...good, passphrase: undefined });
      expect(none.ok ? null : none.error.code).toBe('KEY_UNAVAILABLE');
      await expectOk(await openVault(place.location, good)).close();
    });

    it('issue #17: a store whose ledger MAC key was deleted in SQL does not open (no fresh, unaudited key)', async () => {
      place = await freshPlace(dialect);
      const source = { keyDir: place.keyDir, passphrase: undefined };
      const vault = expectOk(await initVault(place.location, source, CLI_ACTOR));
      await vault.store.db.deleteFrom('meta').where('key', '=', 'ledger_mac_key').execute();
      await vault.close();
      const reopened = await openVault(place.location, source);
      expect(reopened.ok ? 'opened' : reopened.error.code).toBe('INTEGRITY_ERROR');
    });

    it('an uninitialized store is named as such', async () => {
      place = await freshPlace(dialect);
      const result = await openVault(place.location, { keyDir: place.keyDir, passphrase: undefined });
      expect(result.ok ? null : result.error.code).toBe('STORE_NOT_INITIALIZED');
    });
  });
}
