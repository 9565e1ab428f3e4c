import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, envFor } from '../../test/support/cli.js';
import { DIALECTS, freshPlace, type TestPlace } from '../../test/support/stores.js';
import type { Vault } from '../app/vault.js';
import { expectOk } from '../core/result.js';
import { MODES } from '../devices/simulator.js';
import { buildApp } from '../server/app.js';
import { openConfiguredVault } from './context.js';

for (const dialect of DIALECTS) {
  describe(`trialvault device simulate (${dialect})`, () => {
    let place: TestPlace;
    let vault: Vault;
    let app: FastifyInstance;
    let server = '';
    beforeAll(async () => {
      place = await freshPlace(dialect);
      const env = envFor(place);
      expect((await cli(env, 'init')).code).toBe(0);
      expect((await cli(env, 'demo')).code).toBe(0);
      vault = expectOk(await openConfiguredVault(env)).vault;
      app = await buildApp({ vault });
      server = await app.listen({ host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => {
      await app.close();
      await vault.close();
      await place.cleanup();
    });

    it('honest uploads all pass; every attack mode is refused or flagged with its documented reason', async () => {
      const env = envFor(place);
      for (const mode of MODES) {
        const run = await cli(
          env,
          'device',
          'simulate',
          '--server',
          server,
          '--minutes',
          '4',
          '--mode',
          mode,
        );
        const summary = JSON.parse(run.out) as {
          ok: boolean;
          accepted: number;
          refused: object;
          flagged: object;
        };
        expect(summary.ok, `${mode}: ${run.out}`).toBe(true);
        expect(run.code, mode).toBe(0);
      }
      // The honest device was reused across runs (one enrollment), after a reboot each time.
      const again = JSON.parse(
        (await cli(env, 'device', 'simulate', '--server', server, '--minutes', '2')).out,
      ) as {
        deviceId: string;
        ok: boolean;
      };
      const first = JSON.parse(
        (await cli(env, 'device', 'simulate', '--server', server, '--minutes', '1')).out,
      ) as {
        deviceId: string;
      };
      expect(again.ok, JSON.stringify(again)).toBe(true);
      expect(first.deviceId).toBe(again.deviceId);
    });
  });
}
