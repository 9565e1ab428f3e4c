import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, envFor } from '../../test/support/cli.js';
import { DIALECTS, freshPlace, type TestPlace } from '../../test/support/stores.js';

const PYTHON_VERIFIER = new URL('../../test/independent/rfc9162_verify.py', import.meta.url).pathname;

/** Checks CLI output with the independent Python RFC 9162 verifier. */
function independent(kind: 'inclusion' | 'consistency' | 'leaf', json: string): string {
  try {
    return execFileSync('python3', [PYTHON_VERIFIER, kind], { input: json, encoding: 'utf8' }).trim();
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error).trim();
  }
}

for (const dialect of DIALECTS) {
  describe(`trialvault ledger, verify and audit (${dialect})`, () => {
    let place: TestPlace;
    afterEach(async () => place.cleanup());

    it('prints proofs an independent RFC 9162 implementation accepts, and verify names tampering', async () => {
      place = await freshPlace(dialect);
      const env = envFor(place);
      expect((await cli(env, 'demo', '--seed', '2')).code).toBe(0);
      const checkpoint = JSON.parse((await cli(env, 'ledger', 'checkpoint', '--json')).out);
      expect(checkpoint.size).toBeGreaterThan(400);

      for (const index of [0, 17, checkpoint.size - 1]) {
        const inclusion = await cli(env, 'ledger', 'inclusion', '--index', String(index), '--json');
        expect(inclusion.code).toBe(0);
        const proof = JSON.parse(inclusion.out);
        expect(Object.keys(proof).sort()).toEqual(['leafHash', 'leafIdx', 'proof', 'root', 'treeSize']);
        expect(proof.root).toBe(checkpoint.root);
        expect(independent('inclusion', inclusion.out)).toBe('valid');
        const event = await cli(env, 'ledger', 'event', '--index', String(index), '--json');
        expect(JSON.parse(event.out).leafHash).toBe(proof.leafHash);
        expect(independent('leaf', event.out)).toBe('valid');
      }
      const consistency = await cli(
        env,
        'ledger',
        'consistency',
        '--from',
        '5',
        '--to',
        String(checkpoint.size),
        '--json',
      );
      expect(Object.keys(JSON.parse(consistency.out)).sort()).toEqual([
        'proof',
        'root1',
        'root2',
        'size1',
        'size2',
      ]);
      expect(independent('consistency', consistency.out)).toBe('valid');
      const tamperedProof = consistency.out.replace(
        /"root2": "(.)/,
        (_m, c: string) => `"root2": "${c === 'A' ? 'B' : 'A'}`,
      );
      expect(independent('consistency', tamperedProof)).toBe('invalid');

      const ok = await cli(env, 'verify', '--json');
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.out)).toMatchObject({ ok: true, findings: [] });

      const audit = await cli(env, 'audit', '--participant', 'S01-0001', '--study', 'TV-DEMO-001');
      expect(audit.code).toBe(0);
      expect(audit.out).toContain('DEMOG SCREENING');
      expect(audit.out).toContain('FULL_NAME: (empty) -> ********');
      const revealed = await cli(
        env,
        'audit',
        '--participant',
        'S01-0001',
        '--study',
        'TV-DEMO-001',
        '--reveal',
        '--json',
      );
      const trail = JSON.parse(revealed.out);
      const demog = trail.records.find((r: { record: { form: string } }) => r.record.form === 'DEMOG');
      expect(demog.history[0].changes[0].new.value).toMatch(/\w+ \w+/);
      // The reveal itself is in the trail now.
      const after = JSON.parse((await cli(env, 'audit', '--record', demog.record.id, '--json')).out);
      expect(after.events.map((e: { action: string }) => e.action)).toContain('record.reveal');
      expect((await cli(env, 'audit', '--study', 'TV-DEMO-001')).code).toBe(2);

      // Tamper with one event directly in the database.
      const { openVault } = await import('../app/vault.js');
      const { expectOk } = await import('../core/result.js');
      const vault = expectOk(
        await openVault(
          place.location.dialect === 'sqlite'
            ? { dialect: 'sqlite', file: join(place.dir, 'data', 'trialvault.db') }
            : place.location,
          { keyDir: place.keyDir, passphrase: undefined },
        ),
      );
      await vault.store.db
        .updateTable('audit_events')
        .set({ actor: 'user:nobody' })
        .where('seq', '=', 3)
        .execute();
      await vault.close();
      const bad = await cli(env, 'verify');
      expect(bad.code).toBe(1);
      expect(bad.out).toContain('audit_events seq 3: modified');
    });
  });
}
