import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, envFor } from '../../test/support/cli.js';
import { DIALECTS, freshPlace, type TestPlace } from '../../test/support/stores.js';
import { DEMO_PROTOCOL } from '../demo/service.js';

const SCHEDULE = {
  events: [
    { oid: 'SCREENING', name: 'Screening', kind: 'screening', forms: ['DEMOG'] },
    {
      oid: 'BASELINE',
      name: 'Baseline',
      kind: 'baseline',
      day: 0,
      windowAfter: 3,
      forms: ['VITALS', 'RAND'],
    },
    {
      oid: 'WEEK4',
      name: 'Week 4',
      kind: 'scheduled',
      day: 28,
      windowBefore: 3,
      windowAfter: 3,
      forms: ['VITALS'],
    },
    { oid: 'AE', name: 'Adverse events', kind: 'repeating', forms: ['AE'] },
  ],
};

for (const dialect of DIALECTS) {
  describe(`trialvault schedule import (${dialect})`, () => {
    let place: TestPlace;
    afterEach(async () => place.cleanup());

    it('imports a schedule from JSON, prints it, and refuses a bad file with one clear line (exit 1, no stack)', async () => {
      place = await freshPlace(dialect);
      const env = envFor(place);
      expect((await cli(env, 'demo', '--seed', '2')).code).toBe(0);
      const file = join(place.dir, 'schedule.json');
      await writeFile(file, JSON.stringify(SCHEDULE));
      const imported = await cli(
        env,
        'schedule',
        'import',
        '--study',
        DEMO_PROTOCOL,
        '--file',
        file,
        '--json',
      );
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.out)).toMatchObject({ version: 1, events: SCHEDULE.events });
      const shown = await cli(env, 'schedule', 'show', '--study', DEMO_PROTOCOL);
      expect(shown.out).toContain('WEEK4\tscheduled\tday 28\tVITALS');

      await writeFile(file, '{"events": [');
      const broken = await cli(env, 'schedule', 'import', '--study', DEMO_PROTOCOL, '--file', file);
      expect(broken.code).toBe(1);
      expect(broken.err.trim().split('\n')).toHaveLength(1);
      expect(broken.err).toContain('The schedule file is not JSON');
      await writeFile(
        file,
        JSON.stringify({ events: [{ oid: 'W1', name: 'W1', kind: 'scheduled', forms: ['VITALS'] }] }),
      );
      const invalid = await cli(
        env,
        'schedule',
        'import',
        '--study',
        DEMO_PROTOCOL,
        '--file',
        file,
        '--json',
      );
      expect(invalid.code).not.toBe(0);
      expect(invalid.out + invalid.err).toContain('scheduled event W1 needs a target day');
    });
  });
}
