import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { envFor } from '../../test/support/cli.js';
import { DIALECTS, freshPlace, type TestPlace } from '../../test/support/stores.js';

const bin = join(new URL('../../', import.meta.url).pathname, 'bin/trialvault.js');

/** The built CLI as a separate process (npm run build first). */
function run(env: Record<string, string>, ...argv: string[]) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...argv], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

for (const dialect of DIALECTS) {
  describe(`trialvault studies / sites, built binary (${dialect})`, () => {
    let place: TestPlace;
    afterEach(async () => place.cleanup());

    it('sets a study up without the demo: create, sites, live, closed; refusals are one line', async () => {
      place = await freshPlace(dialect);
      const env = envFor(place) as Record<string, string>;
      expect((await run(env, 'init')).code).toBe(0);
      const made = await run(env, 'studies', 'create', '--protocol', 'P-001', '--title', 'Pilot', '--json');
      expect(made.code).toBe(0);
      expect(JSON.parse(made.out)).toMatchObject({ protocolId: 'P-001', title: 'Pilot', status: 'draft' });
      expect(
        (await run(env, 'sites', 'add', '--study', 'P-001', '--code', 'S01', '--name', 'North')).code,
      ).toBe(0);
      const second = await run(
        env,
        'sites',
        'add',
        '--study',
        'P-001',
        '--code',
        'S02',
        '--name',
        'South',
        '--json',
      );
      expect(JSON.parse(second.out)).toMatchObject({ code: 'S02', name: 'South' });
      const renamed = await run(
        env,
        'sites',
        'rename',
        '--study',
        'P-001',
        '--site',
        'S02',
        '--name',
        'South Clinic',
      );
      expect(renamed.code).toBe(0);
      const sites = await run(env, 'sites', 'list', '--study', 'P-001', '--json');
      expect(JSON.parse(sites.out)).toEqual([
        expect.objectContaining({ code: 'S01', name: 'North' }),
        expect.objectContaining({ code: 'S02', name: 'South Clinic' }),
      ]);
      const text = await run(env, 'sites', 'list', '--study', 'P-001');
      expect(text.out).toContain('S02\tSouth Clinic');

      const live = await run(
        env,
        'studies',
        'status',
        '--study',
        'P-001',
        '--to',
        'live',
        '--reason',
        'IRB approval',
      );
      expect(live.code).toBe(0);
      expect(live.out).toContain('P-001 is live');
      const backwards = await run(
        env,
        'studies',
        'status',
        '--study',
        'P-001',
        '--to',
        'live',
        '--reason',
        'again',
      );
      expect(backwards.code).toBe(1);
      expect(backwards.err.trim().split('\n')).toHaveLength(1);
      expect(backwards.err).toContain('CONFLICT');
      const noReason = await run(
        env,
        'studies',
        'status',
        '--study',
        'P-001',
        '--to',
        'closed',
        '--reason',
        '',
      );
      expect(noReason.code).toBe(1);
      expect(noReason.err).toContain('REASON_REQUIRED');

      expect(
        (await run(env, 'studies', 'status', '--study', 'P-001', '--to', 'closed', '--reason', 'Study end'))
          .code,
      ).toBe(0);
      const closedSite = await run(
        env,
        'sites',
        'add',
        '--study',
        'P-001',
        '--code',
        'S03',
        '--name',
        'West',
        '--json',
      );
      expect(closedSite.code).toBe(1);
      expect(JSON.parse(closedSite.out)).toMatchObject({ error: { code: 'STUDY_CLOSED' } });
      const titled = await run(env, 'studies', 'title', '--study', 'P-001', '--title', 'Other');
      expect(titled.err).toContain('STUDY_CLOSED');

      const listed = await run(env, 'studies', 'list', '--json');
      expect(JSON.parse(listed.out)).toEqual([
        expect.objectContaining({ protocolId: 'P-001', status: 'closed' }),
      ]);
      expect((await run(env, 'studies')).out).toContain('P-001\tclosed\tPilot');
      const bad = await run(env, 'studies', 'create', '--protocol', 'bad id!', '--title', 'x');
      expect(bad.code).toBe(1);
      expect(bad.err).toContain('protocolId');
    }, 120_000);
  });
}
