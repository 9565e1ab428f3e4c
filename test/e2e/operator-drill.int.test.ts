import { describe, expect, inject, it } from 'vitest';
import { run } from '../../src/cli/operator-process.js';

const pgUrl = inject('pgUrl');

/**
 * `trialvault backup drill --attack store|keys|all` (ICH E6(R3) 4.3.3: tested recovery), run as the
 * operator runs it: the built CLI, which itself drives every step as separate CLI processes and a real
 * server. Build first: npm run build.
 */
describe('the operator drill (built CLI)', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, TRIALVAULT_LOG_LEVEL: 'warn' };
  const attacks = [
    ...(['store', 'keys', 'all'] as const).map((attack) => ({ attack, db: undefined as string | undefined })),
    ...(pgUrl === '' ? [] : (['store', 'all'] as const).map((attack) => ({ attack, db: pgUrl }))),
  ];
  for (const { attack, db } of attacks) {
    it(`--attack ${attack} (${db === undefined ? 'sqlite' : 'postgres'}): restored from the target and the restore key alone, served, value equal, verify passes`, async () => {
      const ran = await run(
        env,
        'backup',
        'drill',
        '--attack',
        attack,
        ...(db === undefined ? [] : ['--db-url', db]),
        '--json',
      );
      expect(ran.code, ran.out + ran.err).toBe(0);
      const report = JSON.parse(ran.out);
      expect(report).toMatchObject({
        attack,
        attackedStoreRefusedCleanly: true,
        valueEqual: true,
        restoredVerifies: true,
        healthz: 200,
        consistencyProven: true,
        ok: true,
      });
      expect(report.lostThrough).toBeGreaterThan(report.lostFrom);
      // GDPR art. 17: a participant erased after the backup stays erased, even with the key directory
      // (and its erasure register) gone: the erasure was mirrored to the write-once target.
      expect(report.erasureHeld).toBe(true);
    }, 180_000);
  }
});
