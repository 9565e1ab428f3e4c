import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { openVault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { BackupService } from './service.js';

for (const dialect of DIALECTS) {
  describe(`restoring a backup (${dialect})`, () => {
    let t: TestVault;
    afterEach(async () => t.cleanup());

    it('21 CFR 11.10(c): a missing or altered chunk is named, and the restore leaves nothing behind', async () => {
      t = await freshVault(dialect);
      expectOk(await t.vault.demo.seed(CLI_ACTOR, 2));
      const source = { keyDir: t.keyDir, passphrase: undefined };
      const backups = new BackupService(t.vault, source, openVault);
      const target = join(t.dir, 'target');
      const restoreKey = join(t.dir, 'restore.key');
      expectOk(await backups.init(CLI_ACTOR, target, restoreKey));
      const created = expectOk(await backups.create(CLI_ACTOR));
      const { manifest } = JSON.parse(readFileSync(join(target, 'manifests', `${created.id}.json`), 'utf8'));
      const last: string = manifest.chunks.at(-1);
      const chunkFile = join(target, 'chunks', last.slice(0, 2), last);
      const original = readFileSync(chunkFile);

      chmodSync(chunkFile, 0o600);
      const altered = Buffer.from(original);
      altered[altered.length - 20] = (altered[altered.length - 20] as number) ^ 1;
      writeFileSync(chunkFile, altered);
      const into = join(t.dir, 'restored');
      const refused = await backups.restore(CLI_ACTOR, created.id, restoreKey, into);
      expect(refused.ok).toBe(false);
      if (!refused.ok) {
        expect(refused.error.code).toBe('INTEGRITY_ERROR');
        expect(refused.error.details).toMatchObject({ chunk: last });
      }
      // Not a partial store, not a partial snapshot: the directory holds nothing.
      expect(existsSync(into) ? readdirSync(into) : []).toEqual([]);

      rmSync(chunkFile);
      const missing = await backups.verify(created.id, restoreKey);
      expect(missing.ok).toBe(false);
      if (!missing.ok) expect(missing.error.message).toContain('missing');

      writeFileSync(chunkFile, original);
      const restored = expectOk(await backups.restore(CLI_ACTOR, created.id, restoreKey, into));
      expect(readdirSync(into)).toEqual(['trialvault.db']);
      expect(restored.file).toBe(join(into, 'trialvault.db'));
    });
  });
}
