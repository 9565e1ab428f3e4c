import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { seedStudy } from '../support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../support/stores.js';

const writer = new URL('./pg-writer.mjs', import.meta.url).pathname;

function run(args: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [writer, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, err }));
  });
}

describe.skipIf(!DIALECTS.includes('postgres'))(
  'PostgreSQL: several TrialVault processes writing at once',
  () => {
    let t: TestVault;
    afterAll(async () => t?.cleanup());

    it('produce one gapless, consistent, verifiable log', async () => {
      t = await freshVault('postgres');
      const study = await seedStudy(t.vault);
      const ids: string[] = [];
      for (let i = 0; i < 6; i++)
        ids.push(expectOk(await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01' })).id);
      if (t.location.dialect !== 'postgres' || t.location.schema === undefined)
        throw new Error('not postgres');
      const args = (name: string) => [
        t.location.dialect === 'postgres' ? t.location.url : '',
        t.location.dialect === 'postgres' ? (t.location.schema ?? '') : '',
        t.keyDir,
        name,
        ...ids,
      ];
      const results = await Promise.all([
        run(args('writer-a')),
        run(args('writer-b')),
        run(args('writer-c')),
      ]);
      for (const r of results) expect(r.err).toBe('');
      expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
      const seqs = (
        await t.vault.store.db.selectFrom('audit_events').select('seq').orderBy('seq').execute()
      ).map((r) => Number(r.seq));
      expect(seqs).toEqual(seqs.map((_, i) => i));
      const actors = new Set(
        (await t.vault.store.db.selectFrom('audit_events').select('actor').execute()).map((r) => r.actor),
      );
      expect(actors).toEqual(
        // system:row-seal: the store's first open records that every row is sealed from then on (issue #17).
        new Set(['system:cli', 'system:row-seal', 'system:writer-a', 'system:writer-b', 'system:writer-c']),
      );
      expectOk(await t.vault.ledger.checkpoint());
      const report = await t.vault.ledger.verify();
      expect(report.findings).toEqual([]);
      expect(report.checkpoints).toBeGreaterThanOrEqual(4);
    });
  },
);
