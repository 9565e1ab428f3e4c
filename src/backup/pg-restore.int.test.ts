import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIALECTS, freshPlace, freshVault } from '../../test/support/stores.js';
import { openVault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { restoreBackup } from './restore.js';
import { BackupService } from './service.js';

/**
 * PostgreSQL backups (21 CFR 11.10(c); ICH E6(R3) 4.3.3): a logical snapshot taken in one REPEATABLE READ
 * transaction while writers keep writing restores into a new, empty schema named by URL, and the
 * restored store verifies; a schema that is not empty is refused.
 */
describe.runIf(DIALECTS.includes('postgres'))('PostgreSQL backup restored into a new schema by URL', () => {
  it('a snapshot taken under concurrent writes restores into an empty schema and verifies; a non-empty one is refused', async () => {
    const live = await freshVault('postgres');
    const into = await freshPlace('postgres');
    try {
      const { vault } = live;
      const source = { keyDir: live.keyDir, passphrase: undefined };
      expectOk(await vault.demo.seed(CLI_ACTOR, 3));
      const backups = new BackupService(vault, source, openVault);
      expectOk(await backups.init(CLI_ACTOR, join(live.dir, 'target'), join(live.dir, 'restore.key')));
      const records = await vault.store.db.selectFrom('records').select('id').limit(40).execute();
      let writing = true;
      const writer = (async () => {
        let n = 0;
        while (writing)
          await vault.records.read(CLI_ACTOR, records[n++ % records.length]?.id ?? '', { reveal: true });
        return n;
      })();
      const made = expectOk(await backups.create(CLI_ACTOR));
      writing = false;
      expect(await writer).toBeGreaterThan(0);
      expect(made.snapshot).toBe('dumped');

      const location = into.location;
      if (location.dialect !== 'postgres') throw new Error('postgres expected');
      const url = `${location.url}?options=${encodeURIComponent(`-c search_path=${location.schema}`)}`;
      const input = { target: join(live.dir, 'target'), restoreKeyFile: join(live.dir, 'restore.key') };
      const keyDir = join(into.dir, 'keys');
      const restored = expectOk(
        await restoreBackup(
          CLI_ACTOR,
          input,
          { postgres: { dialect: 'postgres', url }, url, keyDir },
          openVault,
        ),
      );
      expect(restored.file).toBeUndefined();
      const reopened = expectOk(
        await openVault({ dialect: 'postgres', url }, { keyDir, passphrase: undefined }),
      );
      try {
        const report = await reopened.ledger.verify();
        expect(report.findings).toEqual([]);
        expect(report.ok).toBe(true);
      } finally {
        await reopened.close();
      }
      // NEGATIVE: never over an existing store.
      const again = await restoreBackup(
        CLI_ACTOR,
        input,
        {
          postgres: { dialect: 'postgres', url },
          url,
          keyDir: join(into.dir, 'keys2'),
        },
        openVault,
      );
      expect(again.ok ? 'ok' : again.error.code).toBe('ALREADY_EXISTS');
    } finally {
      await live.cleanup();
      await into.cleanup();
    }
  });
});
