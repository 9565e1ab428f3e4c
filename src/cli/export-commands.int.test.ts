import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, envFor } from '../../test/support/cli.js';
import { freshPlace, type TestPlace } from '../../test/support/stores.js';

/** `export ... --out DIR` for the demo study, with the given profile and more options. */
const exportTo = (dir: string, profile: string, ...more: string[]) => [
  'export',
  ...['--study', 'TV-DEMO-001', '--profile', profile, '--out', dir],
  ...more,
];

// In-process; the same commands as separate processes: test/adversary/export-cli.int.test.ts.
describe('trialvault export (in-process)', () => {
  let place: TestPlace;
  let env: ReturnType<typeof envFor>;
  let out: string;
  beforeAll(async () => {
    place = await freshPlace('sqlite');
    env = envFor(place);
    out = mkdtempSync(join(tmpdir(), 'tv-export-cli-'));
    expect((await cli(env, 'init')).code).toBe(0);
    expect((await cli(env, 'demo', '--seed', '3')).code).toBe(0);
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await place.cleanup();
  });

  it('--json prints the files, their SHA-256 and the risk report', async () => {
    const ran = await cli(
      env,
      ...exportTo(join(out, 'json'), 'deidentified', '--suppress', 'BIRTH_DATE,ZIP', '--json'),
    );
    expect(ran.code, ran.err).toBe(0);
    const report = JSON.parse(ran.out) as {
      files: { sha256: string }[];
      risk: { k: number; passed: boolean };
    };
    expect(report.files).toHaveLength(5);
    for (const f of report.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.risk.passed).toBe(true);
  });

  it('HIPAA 164.514(e)(4): a limited data set is refused without a data use agreement, made with one', async () => {
    const args = exportTo(
      join(out, 'limited'),
      'limited',
      '--recipient',
      'Registry X',
      '--purpose',
      'Registry',
    );
    const suppress = ['--suppress', 'BIRTH_DATE,ZIP,RAND_DATE,COLLECTED,PAID_ON,ONSET'];
    const refused = await cli(env, ...args, ...suppress);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/APPROVAL_REQUIRED/);
    const dua = ['--study', 'TV-DEMO-001', '--name', 'Registry X', '--dua', 'DUA-2026-7'];
    expect((await cli(env, 'export', 'recipient', ...dua)).code).toBe(0);
    const made = await cli(env, ...args, ...suppress);
    expect(made.code, made.err).toBe(0);
  });

  // HIPAA 164.312(e)(2)(ii): a recipient with an age key gets only files encrypted to it.
  it('exports to a recipient with a registered age key are encrypted; a malformed key is refused', async () => {
    const identity = await generateX25519Identity();
    const key = await identityToRecipient(identity);
    const rec = ['export', 'recipient', '--study', 'TV-DEMO-001', '--name', 'Sponsor Y'];
    const bad = await cli(env, ...rec, '--age-key', 'age1oops');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/VALIDATION_FAILED|age X25519/);
    const good = await cli(env, ...rec, '--age-key', key);
    expect(good.code, good.err).toBe(0);
    const dir = join(out, 'sponsor-y');
    const args = exportTo(dir, 'deidentified', '--recipient', 'Sponsor Y', '--purpose', 'Analysis');
    const made = await cli(env, ...args, '--suppress', 'BIRTH_DATE,ZIP', '--json');
    expect(made.code, made.err).toBe(0);
    const report = JSON.parse(made.out) as { encrypted: boolean; files: { name: string }[] };
    expect(report.encrypted).toBe(true);
    const wide = report.files.find((f) => f.name.endsWith('-wide.csv.age'))?.name ?? '';
    const d = new Decrypter();
    d.addIdentity(identity);
    const plain = await d.decrypt(readFileSync(join(dir, wide)), 'text');
    expect(plain.split('\n')[0]).toContain(',');
    expect(readFileSync(join(dir, wide)).includes(Buffer.from(plain.split('\n')[0] ?? ''))).toBe(false);
  });

  it('the threshold is per study and at least 2', async () => {
    expect((await cli(env, 'export', 'threshold', '--study', 'TV-DEMO-001', '--k', '1')).code).toBe(1);
    expect((await cli(env, 'export', 'threshold', '--study', 'TV-DEMO-001', '--k', '10')).code).toBe(0);
  });
});
