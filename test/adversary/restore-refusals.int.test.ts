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
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/operator-process.js';
import { oneClearLine, operatorEnv } from '../support/operator-cli.js';

/**
 * Findings of an operator following docs/backup.md after a ransomware attack, through the built CLI as
 * separate processes: a restore never goes over another directory's files, a refused restore leaves
 * nothing behind, a usage error is exit 2, and a witness copy the attack damaged never turns into a
 * false "nothing was lost" (21 CFR 11.10(c) records recoverable; 11.10(e) the trail tells what was
 * lost; ASVS 16.5.1 errors handled without leaking internals). Build first: npm run build.
 */
describe('restore refusals found by an operator drill', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-adv-restore-'));
  const { base, env } = operatorEnv(dir);
  // The wiped machine: nothing of the attacked one.
  const wiped = {
    ...base,
    TRIALVAULT_DATA_DIR: join(dir, 'gone'),
    TRIALVAULT_KEY_DIR: join(dir, 'gone-keys'),
  };
  const target = join(dir, 'target');
  const restoreKey = join(dir, 'restore.key');
  beforeAll(async () => {
    expect((await run(env, 'demo', '--seed', '3')).code).toBe(0);
    expect((await run(env, 'backup', 'init', '--to', target, '--restore-key-out', restoreKey)).code).toBe(0);
    expect((await run(env, 'backup', 'create')).code).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('21 CFR 11.10(e): a witness copy the ransomware encrypted leaves the loss window UNKNOWN, never "nothing lost"', async () => {
    const junkWitness = join(dir, 'junk-witness.log');
    writeFileSync(junkWitness, randomBytes(400));
    const ran = await run(
      wiped,
      'backup',
      'restore',
      '--from',
      target,
      '--restore-key',
      restoreKey,
      '--witness',
      junkWitness,
      '--to',
      join(dir, 'w1', 'data'),
      '--json',
    );
    expect(ran.code, ran.err).toBe(0);
    expect((JSON.parse(ran.out) as { lossWindowKnown: boolean }).lossWindowKnown).toBe(false);
    const text = await run(
      wiped,
      'backup',
      'restore',
      '--from',
      target,
      '--restore-key',
      restoreKey,
      '--witness',
      junkWitness,
      '--to',
      join(dir, 'w2', 'data'),
    );
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/Loss window UNKNOWN/);
    expect(text.out).not.toMatch(/No published event was lost/);
  }, 120_000);

  it('21 CFR 11.10(c): a restore into a directory that holds other files is refused and changes nothing', async () => {
    const busy = join(dir, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'notes.txt'), 'not ours');
    oneClearLine(
      await run(wiped, 'backup', 'restore', '--from', target, '--restore-key', restoreKey, '--to', busy),
      1,
      /not empty/,
    );
    expect(readdirSync(busy)).toEqual(['notes.txt']);
    expect(existsSync(`${busy}-keys`)).toBe(false);
  }, 120_000);

  it('21 CFR 11.10(c): a refused restore (altered or missing chunk) leaves nothing behind, so a retry can use the same place', async () => {
    const tampered = join(dir, 'tampered');
    cpSync(target, tampered, { recursive: true });
    const chunks = join(tampered, 'chunks');
    const sub = readdirSync(chunks)[0] ?? '';
    const chunk = join(chunks, sub, readdirSync(join(chunks, sub))[0] ?? '');
    chmodSync(chunk, 0o600);
    rmSync(chunk);
    const to = join(dir, 'fresh', 'data');
    oneClearLine(
      await run(wiped, 'backup', 'restore', '--from', tampered, '--restore-key', restoreKey, '--to', to),
      1,
      /chunk is missing/,
    );
    expect(existsSync(to)).toBe(false);
    expect(existsSync(`${to}-keys`)).toBe(false);
    // The retry from the intact target, into the very same place, works.
    const retry = await run(
      wiped,
      'backup',
      'restore',
      '--from',
      target,
      '--restore-key',
      restoreKey,
      '--to',
      to,
    );
    expect(retry.code, retry.err).toBe(0);
  }, 120_000);

  it('ASVS 16.5.1: a restore without --to is a usage error: one line, exit 2', async () => {
    oneClearLine(
      await run(wiped, 'backup', 'restore', '--from', target, '--restore-key', restoreKey),
      2,
      /--to NEW_DATA_DIR/,
    );
  }, 120_000);
  it('21 CFR 11.10(c): a forged "newest" manifest added to the write-only target names the backup to use instead', async () => {
    // The target only lets the server add files (docs/backup.md): whoever holds the server can add a
    // manifest, not remove the true ones. The refusal must lead the operator to the last good backup.
    const forged = join(dir, 'forged');
    cpSync(target, forged, { recursive: true });
    const manifests = join(forged, 'manifests');
    const real = readdirSync(manifests)[0] ?? '';
    const realId = real.replace(/\.json$/, '');
    const fakeId = '29991231T000000000Z-deadbeef';
    writeFileSync(
      join(manifests, `${fakeId}.json`),
      readFileSync(join(manifests, real), 'utf8').replaceAll(realId, fakeId),
    );
    const to = join(dir, 'forged-restore', 'data');
    const refused = await run(
      wiped,
      'backup',
      'restore',
      '--from',
      forged,
      '--restore-key',
      restoreKey,
      '--to',
      to,
    );
    oneClearLine(refused, 1, /signature does not hold/);
    expect(refused.err).toContain(fakeId);
    expect(refused.err).toContain(`--id ${realId}`);
    expect(existsSync(to)).toBe(false);
    const older = await run(
      wiped,
      'backup',
      'restore',
      '--from',
      forged,
      '--restore-key',
      restoreKey,
      '--id',
      realId,
      '--to',
      to,
    );
    expect(older.code, older.err).toBe(0);
  }, 120_000);
  it('ASVS 16.5.1: a mistyped or missing option in an emergency is one line naming it and the help, exit 2', async () => {
    for (const argv of [
      ['backup', 'restore', '--form', target],
      ['keys', 'recover', '--out', join(dir, 'nowhere.bundle')],
    ]) {
      const ran = await run(wiped, ...argv);
      const lines = ran.err.trim().split('\n');
      expect(lines, ran.err).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^trialvault: usage: (unknown option '--form'|required option '--share <file>' not specified)/,
      );
      expect(lines[0]).toMatch(/--help/);
      expect(ran.code, ran.err).toBe(2);
    }
  }, 120_000);
});
