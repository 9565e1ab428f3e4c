import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { DEMO_PROTOCOL } from '../demo/service.js';
import type { ExportReport } from './service.js';

const SUPPRESS = ['BIRTH_DATE', 'ZIP', 'RAND_DATE', 'COLLECTED', 'PAID_ON', 'ONSET'];

for (const dialect of DIALECTS) {
  describe(`export identify: a leaked fragment names its recipient (${dialect})`, () => {
    let t: TestVault;
    let out: string;
    const made = new Map<string, ExportReport & { dir: string }>();
    const make = async (recipient: string, profile: 'deidentified' | 'limited', dates?: 'year' | 'shift') => {
      const dir = join(out, `${profile}-${made.size}`);
      mkdirSync(dir);
      const suppress = profile === 'limited' ? SUPPRESS : ['BIRTH_DATE', 'ZIP'];
      const input = { profile, recipient, purpose: 'Analysis', suppress, ...(dates ? { dates } : {}) };
      const report = expectOk(await t.vault.exports.createIn(CLI_ACTOR, DEMO_PROTOCOL, input, dir));
      made.set(`${profile}/${recipient}`, { ...report, dir });
    };
    const file = (key: string, kind: string) => {
      const r = made.get(key);
      if (r === undefined) throw new Error(key);
      return readFileSync(join(r.dir, `${r.exportId}-${kind}.csv`), 'utf8');
    };
    beforeAll(async () => {
      t = await freshVault(dialect);
      expectOk(await t.vault.demo.seed(CLI_ACTOR, 11));
      out = mkdtempSync(join(tmpdir(), 'tv-identify-'));
      // Two with shifted dates (their keyed offsets fingerprint the recipient), one Safe Harbor (years only:
      // pseudonyms and canaries name it).
      for (const r of ['CRO Alpha', 'CRO Beta']) await make(r, 'deidentified', 'shift');
      await make('Registry Gamma', 'deidentified');
      expectOk(
        await t.vault.exports.recipients.save(CLI_ACTOR, DEMO_PROTOCOL, {
          name: 'Registry Delta',
          duaReference: 'DUA-1',
        }),
      );
      expectOk(
        await t.vault.exports.recipients.save(CLI_ACTOR, DEMO_PROTOCOL, {
          name: 'Registry Eps',
          duaReference: 'DUA-2',
        }),
      );
      await make('Registry Delta', 'limited');
      await make('Registry Eps', 'limited');
    });
    afterAll(async () => {
      rmSync(out, { recursive: true, force: true });
      await t.cleanup();
    });

    it('every 100-row fragment of every export (wide and long) is attributed to its own recipient', async () => {
      for (const [key, report] of made)
        for (const kind of ['wide', 'long']) {
          const lines = file(key, kind).trim().split('\n');
          for (const start of [1, Math.floor(lines.length / 2), Math.max(1, lines.length - 100)]) {
            const fragment = lines.slice(start, start + 100).join('\n');
            const found = expectOk(await t.vault.exports.identify(CLI_ACTOR, fragment));
            expect(found.candidates[0]?.exportId, `${key} ${kind} @${start}`).toBe(report.exportId);
            expect(found.candidates[0]?.recipient).toBe(report.recipient);
          }
        }
    });

    it('reformatted with the subject codes replaced: the per-recipient date shifts still name the recipient', async () => {
      const key = 'deidentified/CRO Beta';
      const rows = parse(file(key, 'wide'), { columns: true }) as Record<string, string>[];
      // Re-coded subjects, columns reordered and renamed, as a recipient might pass it on.
      const recoded = new Map<string, string>();
      const reformatted = rows.slice(20, 120).map((r) => {
        const code = recoded.get(r.SUBJECT ?? '') ?? `P${recoded.size + 1}`;
        recoded.set(r.SUBJECT ?? '', code);
        const { SUBJECT: _s, SITE: _site, ...rest } = r;
        return { id: code, ...Object.fromEntries(Object.entries(rest).reverse()) };
      });
      const text = stringify(reformatted, { header: true });
      const found = expectOk(await t.vault.exports.identify(CLI_ACTOR, text));
      expect(found.candidates[0]?.recipient).toBe('CRO Beta');
      expect(found.candidates[0]?.dates).toBeGreaterThan(found.candidates[1]?.dates ?? 0);
    });

    it('a file from no export names none', async () => {
      const found = expectOk(
        await t.vault.exports.identify(CLI_ACTOR, 'SUBJECT,SYSBP\nQ123,120\nQ124,130\n'),
      );
      expect(found.candidates).toEqual([]);
    });
  });
}
