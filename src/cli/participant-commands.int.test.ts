import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, envFor } from '../../test/support/cli.js';
import { DIALECTS, freshPlace, type TestPlace } from '../../test/support/stores.js';

for (const dialect of DIALECTS) {
  describe(`trialvault participants status (${dialect})`, () => {
    let place: TestPlace;
    afterEach(async () => place.cleanup());

    it('issue #15 item 6: screen-fails a participant in screening, refuses one randomised, and verify passes', async () => {
      place = await freshPlace(dialect);
      const env = envFor(place);
      expect((await cli(env, 'init')).code).toBe(0);
      expect((await cli(env, 'demo', '--seed', '3')).code).toBe(0);
      const file = join(place.dir, 'screening.jsonl');
      writeFileSync(
        file,
        JSON.stringify({ type: 'participant', subjectId: 'SCR-1', site: 'S01', status: 'screening' }),
      );
      const imported = await cli(
        env,
        'import',
        '--study',
        'TV-DEMO-001',
        '--file',
        file,
        '--reason',
        'Screening log',
      );
      expect(imported.code, imported.err).toBe(0);

      const failed = await cli(
        env,
        'participants',
        'status',
        'SCR-1',
        '--study',
        'TV-DEMO-001',
        '--to',
        'screen_failed',
        '--reason',
        'Inclusion criterion 3 not met',
      );
      expect(failed.code, failed.err).toBe(0);
      expect(failed.out).toContain('SCR-1: screen failed.');
      const listed = await cli(env, 'participants', 'list', '--study', 'TV-DEMO-001');
      expect(listed.out).toMatch(/SCR-1\tS01\tscreen_failed\t/);

      // Every demo participant was randomised (a RAND record): a screen failure is refused, one line, exit 1.
      const refused = await cli(
        env,
        'participants',
        'status',
        'S01-0001',
        '--study',
        'TV-DEMO-001',
        '--to',
        'screen_failed',
        '--reason',
        'Too late',
        '--json',
      );
      expect(refused.code).toBe(1);
      expect(refused.out + refused.err).toContain('CONFLICT');
      const again = await cli(
        env,
        'participants',
        'status',
        'SCR-1',
        '--study',
        'TV-DEMO-001',
        '--to',
        'enrolled',
        '--reason',
        'Rescreened',
      );
      expect(again.code).toBe(1);

      const verified = await cli(env, 'verify', '--json');
      expect(verified.code, verified.out + verified.err).toBe(0);
    }, 120_000);
  });
}
