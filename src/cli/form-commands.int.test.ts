import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { envFor } from '../../test/support/cli.js';
import { DIALECTS, freshPlace, type TestPlace } from '../../test/support/stores.js';
import { DEMO_PROTOCOL } from '../demo/service.js';

const BIN = new URL('../../bin/trialvault.js', import.meta.url).pathname;
const PHQ9 = new URL('../forms/dictionary/fixtures/phq9.csv', import.meta.url).pathname;
const run = promisify(execFile);

/** The built command as a separate process: its output and exit code. */
async function trialvault(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: e.stdout ?? '', err: e.stderr ?? '' };
  }
}

for (const dialect of DIALECTS) {
  describe(`trialvault forms (${dialect})`, () => {
    let place: TestPlace;
    afterEach(async () => place.cleanup());

    it('imports the PHQ-9, publishes it with a reason, lists and exports it; a bad file is one line', async () => {
      place = await freshPlace(dialect);
      const env = envFor(place) as Record<string, string>;
      expect((await trialvault(env, 'demo', '--seed', '2')).code).toBe(0);
      const imported = await trialvault(
        env,
        'forms',
        'import',
        '--study',
        DEMO_PROTOCOL,
        '--file',
        PHQ9,
        '--json',
      );
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.out)).toEqual({
        format: 'csv',
        drafts: [{ oid: 'PHQ9', version: 1, created: true }],
      });
      const published = await trialvault(
        env,
        'forms',
        'publish',
        '--study',
        DEMO_PROTOCOL,
        '--form',
        'PHQ9',
        '--reason',
        'Validated questionnaire',
        '--json',
      );
      expect(published.code).toBe(0);
      expect(JSON.parse(published.out)).toMatchObject({ oid: 'PHQ9', version: 1, status: 'live' });
      const listed = await trialvault(env, 'forms', 'list', '--study', DEMO_PROTOCOL);
      expect(listed.out).toContain('PHQ9\tversion 1\tlive');
      const out = join(place.dir, 'forms.xml');
      const exported = await trialvault(
        env,
        'forms',
        'export',
        '--study',
        DEMO_PROTOCOL,
        '--format',
        'odm',
        '--out',
        out,
        '--json',
      );
      expect(exported.code).toBe(0);
      expect(JSON.parse(exported.out).forms).toContain('PHQ9');
      expect(await readFile(out, 'utf8')).toContain('<FormDef OID="PHQ9"');
      const csv = await trialvault(env, 'forms', 'export', '--study', DEMO_PROTOCOL, '--format', 'csv');
      expect(csv.out.split('\n')[0]).toMatch(/^Variable \/ Field Name,Form Name,/);

      const bad = join(place.dir, 'bad.csv');
      await writeFile(bad, (await readFile(PHQ9, 'utf8')).replace('phq9_2,phq9,,radio', 'phq9_2,phq9,radio'));
      const refused = await trialvault(env, 'forms', 'import', '--study', DEMO_PROTOCOL, '--file', bad);
      expect(refused.code).toBe(1);
      expect(refused.err.trim().split('\n')).toHaveLength(1);
      expect(refused.err).toContain('DICTIONARY_INVALID');
      expect(refused.err).toContain('line 3');
      expect((await trialvault(env, 'forms', 'list', '--study', DEMO_PROTOCOL)).out).toBe(listed.out);
    });
  });
}
