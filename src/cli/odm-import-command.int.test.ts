import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, envFor } from '../../test/support/cli.js';
import { freshPlace, type TestPlace } from '../../test/support/stores.js';

// The round trip itself (identified, dual control, both dialects): src/export/odm-import.int.test.ts.
describe('trialvault import --file EXPORT-odm.xml (ODM ClinicalData)', () => {
  let place: TestPlace;
  let env: ReturnType<typeof envFor>;
  let out: string;
  beforeAll(async () => {
    place = await freshPlace('sqlite');
    env = envFor(place);
    out = mkdtempSync(join(tmpdir(), 'tv-odm-import-cli-'));
    expect((await cli(env, 'init')).code).toBe(0);
    expect((await cli(env, 'demo', '--seed', '3')).code).toBe(0);
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await place.cleanup();
  });

  it('a file that is not an ODM export is IMPORT_REJECTED (exit 1), naming the element, with --json', async () => {
    const file = join(out, 'bad.xml');
    writeFileSync(file, '<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"><Study/></ODM>');
    const ran = await cli(
      env,
      'import',
      '--study',
      'TV-DEMO-001',
      '--file',
      file,
      '--reason',
      'Test',
      '--json',
    );
    expect(ran.code).toBe(1);
    expect(JSON.parse(ran.out).error.code).toBe('IMPORT_REJECTED');
    expect(ran.out).toContain('MetaDataVersion');
  });

  it('a de-identified ODM export (no sites: --site) is imported or refused with a typed answer, never a crash', async () => {
    const dir = join(out, 'odm');
    const made = await cli(
      env,
      ...['export', '--study', 'TV-DEMO-001', '--profile', 'deidentified', '--format', 'odm'],
      ...['--out', dir, '--suppress', 'BIRTH_DATE,ZIP', '--json'],
    );
    expect(made.code, made.err).toBe(0);
    const report = JSON.parse(made.out) as { exportId: string };
    const file = join(dir, `${report.exportId}-odm.xml`);
    expect(readFileSync(file, 'utf8')).toContain('<ClinicalData');
    // Pseudonymised subjects are new people to the study: they need a site, and de-identified values
    // (shifted dates, 3-digit ZIP, 90+) must pass the forms' checks; either way the answer is typed.
    const ran = await cli(
      env,
      'import',
      '--study',
      'TV-DEMO-001',
      '--file',
      file,
      '--reason',
      'Test',
      '--site',
      'S01',
      '--json',
    );
    expect([0, 1]).toContain(ran.code);
    const answer = JSON.parse(ran.out);
    if (ran.code === 0) expect(answer.canariesRemoved).toBeGreaterThanOrEqual(0);
    else expect(answer.error.code).toBe('IMPORT_REJECTED');
  });
});
