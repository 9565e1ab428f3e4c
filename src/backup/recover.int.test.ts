import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshPlace, type TestPlace } from '../../test/support/stores.js';
import { initVault, openVault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { verifyBackup } from './recover.js';
import { restoreBackup } from './restore.js';
import { BackupService } from './service.js';

const PASSPHRASE = 'a long passphrase for recovery tests';

/**
 * A passphrase store recovers from the target and the restore key file plus the passphrase (the bundle
 * carries the KDF salt and parameters, never the passphrase), with the key directory gone (ICH E6(R3)
 * 4.3.3); without the passphrase the restore is refused before anything is written.
 */
describe('recovery of a passphrase store with the key directory gone', () => {
  let place: TestPlace;
  afterEach(async () => place.cleanup());

  it('restores and verifies with the passphrase; NEGATIVE: refused without it, nothing written', async () => {
    place = await freshPlace('sqlite');
    const source = { keyDir: place.keyDir, passphrase: PASSPHRASE };
    const vault = expectOk(await initVault(place.location, source, CLI_ACTOR));
    expectOk(await vault.demo.seed(CLI_ACTOR, 2));
    const backups = new BackupService(vault, source, openVault);
    const target = join(place.dir, 'target');
    const restoreKeyFile = join(place.dir, 'restore.key');
    expectOk(await backups.init(CLI_ACTOR, target, restoreKeyFile));
    expectOk(await backups.create(CLI_ACTOR));
    await vault.close();
    rmSync(place.keyDir, { recursive: true, force: true });
    if (place.location.dialect === 'sqlite') rmSync(place.location.file, { force: true });

    const dataDir = join(place.dir, 'new');
    const keyDir = join(place.dir, 'new-keys');
    const refused = await restoreBackup(
      CLI_ACTOR,
      { target, restoreKeyFile },
      { dataDir, keyDir },
      openVault,
    );
    expect(refused.ok ? 'ok' : refused.error.code).toBe('KEY_UNAVAILABLE');
    expect(existsSync(dataDir) || existsSync(keyDir)).toBe(false);

    const verified = expectOk(
      await verifyBackup({ target, restoreKeyFile, passphrase: PASSPHRASE }, openVault),
    );
    expect(verified.ledger.ok).toBe(true);
    const restored = expectOk(
      await restoreBackup(
        CLI_ACTOR,
        { target, restoreKeyFile, passphrase: PASSPHRASE },
        { dataDir, keyDir },
        openVault,
      ),
    );
    // No master key file: the key comes from the passphrase and the salt in the store.
    expect(existsSync(join(keyDir, 'master.key'))).toBe(false);
    const reopened = expectOk(
      await openVault({ dialect: 'sqlite', file: restored.file ?? '' }, { keyDir, passphrase: PASSPHRASE }),
    );
    try {
      expect((await reopened.ledger.verify()).ok).toBe(true);
    } finally {
      await reopened.close();
    }
  });

  it('NEGATIVE: a forged witness copy planted on the target is ignored when the witness host is given, and counted as a conflict otherwise', async () => {
    place = await freshPlace('sqlite');
    const source = { keyDir: place.keyDir, passphrase: undefined };
    const vault = expectOk(await initVault(place.location, source, CLI_ACTOR));
    expectOk(await vault.demo.seed(CLI_ACTOR, 2));
    const backups = new BackupService(vault, source, openVault);
    const target = join(place.dir, 'target');
    const restoreKeyFile = join(place.dir, 'restore.key');
    expectOk(await backups.init(CLI_ACTOR, target, restoreKeyFile));
    const made = expectOk(await backups.create(CLI_ACTOR));
    await vault.close();
    const hostCopy = join(place.dir, 'witness-host.log');
    copyFileSync(join(place.keyDir, 'witness.log'), hostCopy);
    // Whoever held the server adds a witness copy claiming another root at the backup's size.
    const forged = {
      size: made.checkpoint,
      root: randomBytes(32).toString('base64'),
      time: new Date().toISOString(),
      note: 'x',
    };
    writeFileSync(join(target, 'witness', 'zzzz.log'), `${JSON.stringify(forged)}\n`);
    const trusted = expectOk(
      await restoreBackup(
        CLI_ACTOR,
        { target, restoreKeyFile, witnessFiles: [hostCopy] },
        { dataDir: join(place.dir, 'a'), keyDir: join(place.dir, 'a-keys') },
        openVault,
      ),
    );
    expect(trusted.witnessConflicts).toBe(0);
    expect(trusted.consistency?.size1).toBe(made.checkpoint);
    const fromTarget = expectOk(
      await restoreBackup(
        CLI_ACTOR,
        { target, restoreKeyFile },
        { dataDir: join(place.dir, 'b'), keyDir: join(place.dir, 'b-keys') },
        openVault,
      ),
    );
    expect(fromTarget.witnessConflicts).toBeGreaterThan(0);
  });
});
