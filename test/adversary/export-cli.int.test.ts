import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/operator-process.js';
import { oneClearLine, operatorEnv } from '../support/operator-cli.js';

/**
 * The export commands of the built CLI as separate processes, from the seat of whoever finds a leaked
 * fragment (issue #16): the operator exports for two recipients, a 100-row piece of one file is
 * attributed to its recipient, and refusals are one clear line. Build first: npm run build.
 */
/** `export ... --out DIR` for the demo study, with the given profile and more options. */
const exportTo = (dir: string, profile: string, ...more: string[]) => [
  'export',
  ...['--study', 'TV-DEMO-001', '--profile', profile, '--out', dir],
  ...more,
];

describe('trialvault export, as separate processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-adv-export-'));
  const { env } = operatorEnv(dir);
  beforeAll(async () => {
    expect((await run(env, 'demo', '--seed', '5')).code).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('HIPAA 164.514(b)(2): an export above the risk is one line naming the quasi-identifier to suppress', async () => {
    const ran = await run(env, ...exportTo(join(dir, 'x'), 'deidentified'));
    oneClearLine(ran, 1, /EXPORT_REFUSED: .*suppressing (BIRTH_DATE|ZIP)/);
  });

  it('review F8: a mistyped --profile or --dates choice is a usage error, exit 2', async () => {
    for (const bad of [['nope'], ['deidentified', '--dates', 'day']] as const) {
      const ran = await run(env, ...exportTo(join(dir, 'u'), bad[0], ...bad.slice(1)));
      expect(ran.err.trim().split('\n'), ran.err).toHaveLength(1);
      expect(ran.err).toMatch(/^trialvault: usage: .*Allowed choices/);
      expect(ran.code, ran.err).toBe(2);
    }
  });

  it('an identified export without a second approver is refused', async () => {
    const ran = await run(
      env,
      ...exportTo(join(dir, 'i'), 'identified', '--recipient', 'Sponsor', '--purpose', 'Safety'),
    );
    oneClearLine(ran, 1, /APPROVAL_REQUIRED/);
  });

  it('a leaked 100-row fragment names the export and recipient it came from', async () => {
    const made: { exportId: string; recipient: string; files: { name: string; sha256: string }[] }[] = [];
    for (const recipient of ['CRO North', 'CRO South']) {
      const out = join(dir, recipient.replace(' ', '-'));
      const ran = await run(
        env,
        ...exportTo(out, 'deidentified', '--format', 'csv'),
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
      made.push({ ...report, files: report.files.map((f) => ({ ...f, name: join(out, f.name) })) });
    }
    const leaked = made[0];
    const wide = readFileSync(leaked?.files[0]?.name ?? '', 'utf8')
      .trim()
      .split('\n');
    const fragment = join(dir, 'found-on-a-usb-stick.csv');
    writeFileSync(fragment, `${[wide[0], ...wide.slice(30, 130)].join('\n')}\n`);
    const ran = await run(env, 'export', 'identify', fragment);
    expect(ran.code, ran.err).toBe(0);
    expect(ran.out).toContain(`From export ${leaked?.exportId}`);
    expect(ran.out).toContain('for CRO North');
  });

  it('HIPAA 164.514(b)(2)(i)(C): Safe Harbor reduces dates to the year by default; --dates shift is chosen and reported', async () => {
    const strict = await run(
      env,
      ...exportTo(join(dir, 'sh'), 'deidentified', '--suppress', 'BIRTH_DATE,ZIP'),
    );
    expect(strict.code, strict.err).toBe(0);
    expect(strict.out).toContain('Dates: De-identified (HIPAA Safe Harbor): dates reduced to the year.');
    const wide = strict.out.match(/\S+-wide\.csv/)?.[0] ?? '';
    expect(readFileSync(join(dir, 'sh', wide), 'utf8')).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    const shifted = await run(
      env,
      ...exportTo(join(dir, 'shift'), 'deidentified', '--suppress', 'BIRTH_DATE,ZIP', '--dates', 'shift'),
      '--json',
    );
    expect(shifted.code, shifted.err).toBe(0);
    expect((JSON.parse(shifted.out) as { dates: string }).dates).toBe('shift');
    // A mistyped choice is a usage error (exit 2, review F8); --dates on a limited export is refused by the service.
    const bad = await run(env, ...exportTo(join(dir, 'bad'), 'deidentified', '--dates', 'month'));
    expect(bad.err).toMatch(/^trialvault: usage: .*Allowed choices are year, shift/);
    expect(bad.code, bad.err).toBe(2);
    const limited = await run(env, ...exportTo(join(dir, 'bad'), 'limited', '--dates', 'shift'));
    oneClearLine(limited, 1, /VALIDATION_FAILED/);
  });
});
