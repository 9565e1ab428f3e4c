import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = new URL('../../bin/trialvault.js', import.meta.url).pathname;

/** `serve --backup-every` makes backups on schedule while the server runs (the built binary). */
describe('scheduled backups', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-sched-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a backup at every interval while serving', async () => {
    const env = {
      ...process.env,
      TRIALVAULT_DATA_DIR: join(dir, 'data'),
      TRIALVAULT_KEY_DIR: join(dir, 'keys'),
      TRIALVAULT_PORT: '0',
      TRIALVAULT_LOG_LEVEL: 'warn',
    };
    const target = join(dir, 'target');
    expect(spawnSync(process.execPath, [bin, 'demo'], { env }).status).toBe(0);
    expect(
      spawnSync(
        process.execPath,
        [bin, 'backup', 'init', '--to', target, '--restore-key-out', join(dir, 'restore.key')],
        { env },
      ).status,
    ).toBe(0);
    const server = spawn(process.execPath, [bin, 'serve', '--backup-every', '10s'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    server.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no scheduled backup:\n${out}`)), 40_000);
      server.stdout.on('data', () => {
        if (/backup \S+: \d+ chunks/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    server.kill('SIGTERM');
    expect(await new Promise((r) => server.on('exit', r))).toBe(0);
    expect(readdirSync(join(target, 'manifests')).length).toBeGreaterThanOrEqual(1);
    // What the built binary wrote (chunks sealed in worker threads) verifies and restores (opened in
    // worker threads), and the restored store passes its own ledger verification.
    const restoreKey = join(dir, 'restore.key');
    const verified = spawnSync(process.execPath, [bin, 'backup', 'verify', '--restore-key', restoreKey], {
      env,
    });
    expect(verified.status, verified.stdout.toString() + verified.stderr.toString()).toBe(0);
    const restoredDir = join(dir, 'restored');
    const restored = spawnSync(
      process.execPath,
      [bin, 'backup', 'restore', '--restore-key', restoreKey, '--to', restoredDir],
      { env },
    );
    expect(restored.status, restored.stdout.toString() + restored.stderr.toString()).toBe(0);
    const check = spawnSync(process.execPath, [bin, 'verify'], {
      env: { ...env, TRIALVAULT_DATA_DIR: restoredDir },
    });
    expect(check.status, check.stdout.toString() + check.stderr.toString()).toBe(0);
  }, 120_000);
});
