import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, envFor } from '../../test/support/cli.js';
import { PERSON } from '../../test/support/fixtures.js';
import { DIALECTS, freshPlace, type TestPlace } from '../../test/support/stores.js';

for (const dialect of DIALECTS) {
  describe(`trialvault CLI (${dialect})`, () => {
    let place: TestPlace;
    afterEach(async () => place.cleanup());

    it('init, demo, import, erase and rotate, with --json and exit codes', async () => {
      place = await freshPlace(dialect);
      const env = envFor(place);
      const notYet = await cli(env, 'studies');
      expect(notYet.code).toBe(2);
      expect(notYet.err).toContain('STORE_NOT_INITIALIZED');

      expect((await cli(env, 'init')).code).toBe(0);
      const demo = await cli(env, 'demo', '--seed', '7', '--json');
      expect(demo.code).toBe(0);
      expect(JSON.parse(demo.out)).toMatchObject({ protocolId: 'TV-DEMO-001', participants: 60 });
      expect((await cli(env, 'demo')).code).toBe(1); // exists already

      const file = join(place.dir, 'import.jsonl');
      writeFileSync(
        file,
        [
          JSON.stringify({ type: 'participant', subjectId: 'IMP-1', site: 'S01' }),
          JSON.stringify({
            type: 'record',
            subjectId: 'IMP-1',
            form: 'DEMOG',
            visit: 'SCREENING',
            values: PERSON,
          }),
        ].join('\n'),
      );
      const noReason = await cli(env, 'import', '--study', 'TV-DEMO-001', '--file', file);
      expect(noReason.code).toBe(2); // usage: --reason is required
      const imported = await cli(
        env,
        'import',
        '--study',
        'TV-DEMO-001',
        '--file',
        file,
        '--reason',
        'Site migration',
        '--json',
      );
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.out)).toMatchObject({ participantsCreated: 1, recordsCreated: 1 });

      const bad = join(place.dir, 'bad.jsonl');
      writeFileSync(
        bad,
        `${JSON.stringify({ type: 'record', subjectId: 'IMP-1', form: 'VITALS', visit: 'BASELINE', values: { SYSBP: 5 } })}\n`,
      );
      const rejected = await cli(
        env,
        'import',
        '--study',
        'TV-DEMO-001',
        '--file',
        bad,
        '--reason',
        'Site migration',
      );
      expect(rejected.code).toBe(1);
      expect(rejected.err).toContain('line 1: SYSBP must be at least 60');

      const list = JSON.parse(
        (await cli(env, 'participants', 'list', '--study', 'TV-DEMO-001', '--json')).out,
      ) as { subjectId: string }[];
      expect(list.map((p) => p.subjectId)).toContain('IMP-1');

      const erased = await cli(
        env,
        'participants',
        'erase',
        'IMP-1',
        '--study',
        'TV-DEMO-001',
        '--reason',
        'Withdrew consent',
        '--json',
      );
      expect(erased.code).toBe(0);
      expect(JSON.parse(erased.out)).toMatchObject({ subjectId: 'IMP-1', status: 'erased' });

      const rotated = await cli(env, 'keys', 'rotate', '--study', 'TV-DEMO-001', '--json');
      expect(rotated.code).toBe(0);
      expect(JSON.parse(rotated.out)).toEqual([expect.objectContaining({ toVersion: 2, rewrapped: 60 })]);

      expect((await cli(env, 'no-such-command')).code).toBe(2);
      expect((await cli(env, 'demo', '--seed', 'abc')).code).toBe(2);
      expect((await cli(env, '--help')).code).toBe(0);
    });
  });
}
