import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, envFor } from '../../test/support/cli.js';
import { freshPlace, type TestPlace } from '../../test/support/stores.js';

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

  it('refuses above the risk with the reason and the suggestion (exit 1)', async () => {
    const ran = await cli(
      env,
      'export',
      '--study',
      'TV-DEMO-001',
      '--profile',
      'deidentified',
      '--out',
      join(out, 'a'),
    );
    expect(ran.code).toBe(1);
    expect(ran.err).toMatch(/EXPORT_REFUSED: Re-identification risk too high: k = \d+.*suppressing \w+/);
  });

  it('exports with --json (files, SHA-256, risk) and attributes a 100-row fragment to its recipient', async () => {
    const made: { exportId: string; files: { name: string; sha256: string }[]; risk: { k: number } }[] = [];
    for (const recipient of ['Sponsor stats', 'University registry']) {
      const dir = join(out, recipient.replace(/ /g, '-'));
      const ran = await cli(
        env,
        'export',
        '--study',
        'TV-DEMO-001',
        '--profile',
        'deidentified',
        '--format',
        'csv',
        '--out',
        dir,
        '--recipient',
        recipient,
        '--purpose',
        'Analysis',
        '--suppress',
        'BIRTH_DATE,ZIP',
        '--json',
      );
      expect(ran.code, ran.err).toBe(0);
      const report = JSON.parse(ran.out) as (typeof made)[number];
      expect(report.files[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(report.risk.k).toBeGreaterThanOrEqual(5);
      made.push({ ...report, files: report.files.map((f) => ({ ...f, name: join(dir, f.name) })) });
    }
    const second = made[1];
    if (second === undefined) throw new Error('no second export');
    // 100 rows from the middle of the long file of the second export, without its header.
    const long = readFileSync(second.files[1]?.name ?? '', 'utf8').split('\n');
    const fragment = join(out, 'fragment.csv');
    writeFileSync(fragment, `${long.slice(200, 300).join('\n')}\n`);
    const ran = await cli(env, 'export', 'identify', fragment, '--json');
    expect(ran.code, ran.err).toBe(0);
    const found = JSON.parse(ran.out) as { candidates: { exportId: string; recipient: string }[] };
    expect(found.candidates[0]?.exportId).toBe(second.exportId);
    expect(found.candidates[0]?.recipient).toBe('University registry');
    expect(found.candidates.map((c) => c.exportId)).not.toContain(made[0]?.exportId);
  });

  it('HIPAA 164.514(e)(4): a limited data set is refused without a data use agreement, made with one', async () => {
    const dir = join(out, 'limited');
    const args = [
      'export',
      '--study',
      'TV-DEMO-001',
      '--profile',
      'limited',
      '--out',
      dir,
      '--recipient',
      'Registry X',
      '--purpose',
      'Registry',
      '--suppress',
      'BIRTH_DATE,ZIP,RAND_DATE,COLLECTED,PAID_ON,ONSET',
    ];
    const refused = await cli(env, ...args);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/APPROVAL_REQUIRED/);
    const recorded = await cli(
      env,
      'export',
      'recipient',
      '--study',
      'TV-DEMO-001',
      '--name',
      'Registry X',
      '--dua',
      'DUA-2026-7',
    );
    expect(recorded.code, recorded.err).toBe(0);
    const made = await cli(env, ...args);
    expect(made.code, made.err).toBe(0);
  });

  it('an identified export without an approved request is refused', async () => {
    const ran = await cli(
      env,
      'export',
      '--study',
      'TV-DEMO-001',
      '--profile',
      'identified',
      '--out',
      join(out, 'id'),
      '--recipient',
      'Sponsor',
      '--purpose',
      'Safety',
    );
    expect(ran.code).toBe(1);
    expect(ran.err).toMatch(/APPROVAL_REQUIRED/);
  });
});
