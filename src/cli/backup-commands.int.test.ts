import { createPrivateKey } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, envFor } from '../../test/support/cli.js';
import { DIALECTS, freshPlace, type TestPlace } from '../../test/support/stores.js';
import { openChunk } from '../backup/chunk-crypto.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

for (const dialect of DIALECTS) {
  describe(`trialvault backup (${dialect})`, () => {
    let place: TestPlace;
    afterEach(async () => place.cleanup());

    it('init, create (write-once, deduplicated), verify, restore into a new store that verifies; tampering refused', async () => {
      place = await freshPlace(dialect);
      const env = envFor(place);
      const target = join(place.dir, 'target');
      const restoreKey = join(place.dir, 'offline', 'restore.key');
      expect((await cli(env, 'demo', '--seed', '3')).code).toBe(0);
      const noInit = await cli(env, 'backup', 'create');
      expect(noInit.code).toBe(2);
      await import('node:fs').then((fs) => fs.mkdirSync(join(place.dir, 'offline')));
      expect((await cli(env, 'backup', 'init', '--to', target, '--restore-key-out', restoreKey)).code).toBe(
        0,
      );
      expect(statSync(restoreKey).mode & 0o777).toBe(0o600);

      const first = JSON.parse((await cli(env, 'backup', 'create', '--json')).out);
      expect(first.newChunks).toBe(first.chunks);
      const second = JSON.parse((await cli(env, 'backup', 'create', '--json')).out);
      expect(second.newChunks).toBeLessThanOrEqual(second.chunks);
      for (const file of files(target)) expect(statSync(file).mode & 0o222, file).toBe(0);

      // The server's own configuration holds no key that can decrypt a backup.
      const manifest = JSON.parse(
        readFileSync(join(target, 'manifests', `${second.id}.json`), 'utf8'),
      ).manifest;
      const chunkName: string = manifest.chunks[0];
      const chunkFile = join(target, 'chunks', chunkName.slice(0, 2), chunkName);
      for (const file of files(place.keyDir)) {
        for (const pem of readFileSync(file, 'utf8').match(
          /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----/g,
        ) ?? []) {
          const key = createPrivateKey(pem);
          if (key.asymmetricKeyType === 'x25519')
            expect(openChunk(key, chunkName, readFileSync(chunkFile))).toBeNull();
          else expect(key.asymmetricKeyType).toBe('ed25519');
        }
      }

      const verified = await cli(env, 'backup', 'verify', '--restore-key', restoreKey, '--json');
      expect(verified.code).toBe(0);
      expect(JSON.parse(verified.out).ledger.ok).toBe(true);

      const status = JSON.parse((await cli(env, 'backup', 'status', '--json')).out);
      expect(status.lastBackup.id).toBe(second.id);
      expect(status.lastVerified).toMatchObject({ id: second.id, ok: true });
      expect(status.recoveryPoint).toMatch(/^\d{4}-/);

      const restoredDir = join(place.dir, 'restored');
      const restored = await cli(env, 'backup', 'restore', '--restore-key', restoreKey, '--to', restoredDir);
      expect(restored.code).toBe(0);
      const restoredEnv = { TRIALVAULT_DATA_DIR: restoredDir, TRIALVAULT_KEY_DIR: place.keyDir };
      const check = await cli(restoredEnv, 'verify', '--json');
      expect(JSON.parse(check.out).findings).toEqual([]);
      expect(check.code).toBe(0);
      const again = await cli(env, 'backup', 'restore', '--restore-key', restoreKey, '--to', restoredDir);
      expect(again.code).toBe(1);

      chmodSync(chunkFile, 0o600);
      const bytes = readFileSync(chunkFile);
      bytes[60] = (bytes[60] ?? 0) ^ 0xff;
      writeFileSync(chunkFile, bytes);
      const tampered = await cli(env, 'backup', 'verify', '--restore-key', restoreKey);
      expect(tampered.code).toBe(1);
      expect(tampered.err).toContain('A backup chunk was altered');
      const refused = await cli(
        env,
        'backup',
        'restore',
        '--restore-key',
        restoreKey,
        '--to',
        join(place.dir, 'other'),
      );
      expect(refused.code).toBe(1);

      const wrongKey = join(place.dir, 'offline', 'other.key');
      writeFileSync(
        wrongKey,
        readFileSync(restoreKey, 'utf8').replace(/"prune": "[^"]+"/, '"prune": "not-it"'),
      );
      expect((await cli(env, 'backup', 'prune', '--keep', '1', '--restore-key', wrongKey)).code).toBe(1);
    });
  });
}
