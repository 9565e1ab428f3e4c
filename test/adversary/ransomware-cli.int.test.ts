import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/operator-process.js';
import { oneClearLine, operatorEnv } from '../support/operator-cli.js';

/**
 * What ransomware leaves the operator with, fed to the built CLI as separate processes: a damaged
 * store, missing directories, a wrong key file, a tampered target. Every command answers with one line
 * naming what is wrong and an exit code, never a stack trace (ASVS 16.5.1: errors handled without
 * leaking internals; 21 CFR 11.10(c) records recoverable). Build first: npm run build.
 */
describe('ransomware from the operator seat: no stack traces, K-1 escrow shares recover nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-adv-ransom-'));
  const { base, env } = operatorEnv(dir);
  const target = join(dir, 'target');
  const restoreKey = join(dir, 'restore.key');
  beforeAll(async () => {
    expect((await run(env, 'demo', '--seed', '2')).code).toBe(0);
    expect((await run(env, 'backup', 'init', '--to', target, '--restore-key-out', restoreKey)).code).toBe(0);
    expect((await run(env, 'backup', 'create')).code).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('21 CFR 11.10(c): K-1 escrow shares recover nothing; K shares (with the escrowed restore key) restore the study on a wiped machine', async () => {
    const shares = join(dir, 'shares');
    const made = await run(
      env,
      'keys',
      'escrow',
      '--shares',
      '4',
      '--threshold',
      '3',
      '--restore-key',
      restoreKey,
      '--out',
      shares,
      '--json',
    );
    expect(made.code, made.err).toBe(0);
    const files = readdirSync(shares).map((f) => join(shares, f));
    expect(files).toHaveLength(4);
    for (const f of files) expect(statSync(f).mode & 0o777).toBe(0o600);
    const wiped = {
      ...base,
      TRIALVAULT_DATA_DIR: join(dir, 'gone-data'),
      TRIALVAULT_KEY_DIR: join(dir, 'gone-keys'),
    };
    // NEGATIVE: two of three custodians learn nothing and get nothing.
    const two = await run(
      wiped,
      'keys',
      'recover',
      '--share',
      files[0] ?? '',
      '--share',
      files[1] ?? '',
      '--out',
      join(dir, 'b2'),
    );
    oneClearLine(two, 1, /3 different shares are needed; 2 given/);
    expect(existsSync(join(dir, 'b2'))).toBe(false);
    const bundle = join(dir, 'bundle');
    const three = await run(
      wiped,
      'keys',
      'recover',
      '--share',
      files[3] ?? '',
      '--share',
      files[1] ?? '',
      '--share',
      files[2] ?? '',
      '--out',
      bundle,
    );
    expect(three.code, three.err).toBe(0);
    const restored = await run(
      wiped,
      'backup',
      'restore',
      '--from',
      target,
      '--key-bundle',
      bundle,
      '--to',
      join(dir, 'escrowed', 'data'),
      '--json',
    );
    expect(restored.code, restored.err).toBe(0);
    const check = await run(
      {
        ...base,
        TRIALVAULT_DATA_DIR: join(dir, 'escrowed', 'data'),
        TRIALVAULT_KEY_DIR: join(dir, 'escrowed', 'data-keys'),
      },
      'verify',
    );
    expect(check.code, check.out + check.err).toBe(0);
  }, 120_000);

  it('ASVS 16.5.1: a wrong key file, a missing target, a tampered target: one clear line each', async () => {
    const wiped = {
      ...base,
      TRIALVAULT_DATA_DIR: join(dir, 'w-data'),
      TRIALVAULT_KEY_DIR: join(dir, 'w-keys'),
    };
    const junkKey = join(dir, 'junk.key');
    writeFileSync(junkKey, randomBytes(300));
    oneClearLine(
      await run(wiped, 'backup', 'verify', '--from', target, '--restore-key', junkKey),
      2,
      /restore key/,
    );
    oneClearLine(
      await run(wiped, 'backup', 'restore', '--from', target, '--restore-key', dir, '--to', join(dir, 'r1')),
      2,
    );
    oneClearLine(await run(wiped, 'backup', 'verify', '--restore-key', restoreKey), 2, /--from TARGET/);
    oneClearLine(
      await run(
        wiped,
        'backup',
        'restore',
        '--from',
        join(dir, 'nowhere'),
        '--restore-key',
        restoreKey,
        '--to',
        join(dir, 'r2'),
      ),
      1,
      /not a TrialVault backup target/,
    );
    // Another server's restore key: the manifest signature does not hold.
    const otherEnv = {
      ...base,
      TRIALVAULT_DATA_DIR: join(dir, 'o-data'),
      TRIALVAULT_KEY_DIR: join(dir, 'o-keys'),
    };
    expect((await run(otherEnv, 'init')).code).toBe(0);
    expect(
      (
        await run(
          otherEnv,
          'backup',
          'init',
          '--to',
          join(dir, 'o-target'),
          '--restore-key-out',
          join(dir, 'o.key'),
        )
      ).code,
    ).toBe(0);
    oneClearLine(
      await run(wiped, 'backup', 'verify', '--from', target, '--restore-key', join(dir, 'o.key')),
      1,
      /signature/,
    );

    const tampered = join(dir, 'tampered');
    cpSync(target, tampered, { recursive: true });
    const manifests = join(tampered, 'manifests');
    const manifest = join(manifests, readdirSync(manifests)[0] ?? '');
    chmodSync(manifest, 0o600);
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/"bytes": \d+/, '"bytes": 1'));
    oneClearLine(
      await run(wiped, 'backup', 'verify', '--from', tampered, '--restore-key', restoreKey),
      1,
      /signature/,
    );
    writeFileSync(manifest, '{ not json');
    oneClearLine(
      await run(
        wiped,
        'backup',
        'restore',
        '--from',
        tampered,
        '--restore-key',
        restoreKey,
        '--to',
        join(dir, 'r3'),
      ),
      1,
      /damaged/,
    );
    expect(existsSync(join(dir, 'r3', 'trialvault.db'))).toBe(false);
  }, 120_000);

  it('ASVS 16.5.1: a damaged (encrypted) store and a missing data or key directory: one line naming it, exit 2', async () => {
    const damaged = join(dir, 'damaged');
    mkdirSync(join(damaged, 'data'), { recursive: true });
    cpSync(join(dir, 'keys'), join(damaged, 'keys'), { recursive: true });
    writeFileSync(join(damaged, 'data', 'trialvault.db'), randomBytes(65536));
    const denv = {
      ...base,
      TRIALVAULT_DATA_DIR: join(damaged, 'data'),
      TRIALVAULT_KEY_DIR: join(damaged, 'keys'),
    };
    for (const argv of [
      ['verify'],
      ['studies'],
      ['serve'],
      ['backup', 'create'],
      ['backup', 'status'],
      ['init'],
      ['ledger', 'checkpoint'],
    ]) {
      oneClearLine(
        await run(denv, ...argv),
        2,
        /not a database: it may be damaged or encrypted; restore from a backup/,
      );
    }
    const nodata = {
      ...base,
      TRIALVAULT_DATA_DIR: join(dir, 'no-such-dir'),
      TRIALVAULT_KEY_DIR: join(dir, 'keys'),
    };
    oneClearLine(await run(nodata, 'verify'), 2, /STORE_NOT_INITIALIZED/);
    const nokeys = {
      ...base,
      TRIALVAULT_DATA_DIR: join(dir, 'data'),
      TRIALVAULT_KEY_DIR: join(dir, 'no-keys'),
    };
    oneClearLine(await run(nokeys, 'verify'), 2, /master key file is missing/);
    const junkKeys = join(dir, 'junk-keys');
    cpSync(join(dir, 'keys'), junkKeys, { recursive: true });
    for (const f of readdirSync(junkKeys)) writeFileSync(join(junkKeys, f), randomBytes(200));
    oneClearLine(await run({ ...nokeys, TRIALVAULT_KEY_DIR: junkKeys }, 'studies'), 2, /KEY_UNAVAILABLE/);
  }, 120_000);
});
