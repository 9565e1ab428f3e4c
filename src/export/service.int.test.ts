import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithRole } from '../../test/support/access.js';
import { pseudonymIn, readExportFile, type Seeded, seededDemo } from '../../test/support/exports.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { DEMO_FORMS } from '../demo/demo-forms.js';
import { RESTRICTED_ZIP3 } from './zip3.js';

const DAY = 86_400_000;
const days = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / DAY;
const PROTECTED = new Set(
  DEMO_FORMS.flatMap((f) =>
    f.fields.filter((x) => ['identifier', 'financial', 'allocation'].includes(x.class)).map((x) => x.oid),
  ),
);
const DATES = new Set(DEMO_FORMS.flatMap((f) => f.fields.filter((x) => x.type === 'date').map((x) => x.oid)));

for (const dialect of DIALECTS) {
  describe(`de-identified export of the demo study (${dialect})`, () => {
    let t: TestVault;
    let out: string;
    let seeded: { studyId: string; people: Seeded[] };
    beforeAll(async () => {
      t = await freshVault(dialect);
      expectOk(await t.vault.demo.seed(CLI_ACTOR, 7));
      seeded = await seededDemo(t.vault);
      out = mkdtempSync(join(tmpdir(), 'tv-export-'));
    });
    afterAll(async () => {
      rmSync(out, { recursive: true, force: true });
      await t.cleanup();
    });

    it('HIPAA 164.514(b)(2): refused below k with the reason and the quasi-identifier to suppress', async () => {
      const refused = await t.vault.exports.createIn(
        CLI_ACTOR,
        seeded.studyId,
        { profile: 'deidentified' },
        out,
      );
      expect(refused.ok).toBe(false);
      if (refused.ok) return;
      expect(refused.error.code).toBe('EXPORT_REFUSED');
      const risk = refused.error.details?.risk as {
        k: number;
        threshold: number;
        suggestion: { suppress: string };
      };
      expect(risk.k).toBeLessThan(5);
      expect(risk.threshold).toBe(5);
      // The smallest suppression that reaches the threshold (review, 2026-12-03): both, for the demo.
      expect(risk.suggestion.suppress.split(',').sort()).toEqual(['BIRTH_DATE', 'ZIP']);
    });

    it('HIPAA 164.514(b)(2) expert determination (`dates: shift`): no identifier, financial or blinded allocation value, no original date, intervals kept', async () => {
      const dir = join(out, 'deid');
      mkdirSync(dir);
      const report = expectOk(
        await t.vault.exports.createIn(
          CLI_ACTOR,
          seeded.studyId,
          {
            profile: 'deidentified',
            dates: 'shift',
            recipient: 'Statistics unit',
            purpose: 'Interim analysis',
            suppress: ['BIRTH_DATE', 'ZIP'],
          },
          dir,
        ),
      );
      expect(report.risk.passed).toBe(true);
      expect(report.dates).toBe('shift');
      expect(report.risk.k).toBeGreaterThanOrEqual(5);
      expect(report.files.map((f) => f.name.replace(`${report.exportId}-`, ''))).toEqual([
        'wide.csv',
        'long.csv',
        'dictionary.csv',
        'wide.sas',
        'wide.R',
      ]);
      const text = report.files.map((f) => readExportFile(dir, f.name)).join('\n');
      for (const person of seeded.people) {
        expect(text).not.toContain(person.subjectId);
        for (const record of person.records)
          for (const [field, value] of Object.entries(record.values)) {
            // Short codes (an arm 'A', an amount 50) are checked by their absent columns below.
            if (PROTECTED.has(field) && String(value).length >= 5)
              expect(text, field).not.toContain(String(value));
          }
      }
      const long = parse(readExportFile(dir, `${report.exportId}-long.csv`), { columns: true }) as Record<
        string,
        string
      >[];
      expect(long.some((r) => r.FIELD !== undefined && PROTECTED.has(r.FIELD))).toBe(false);
      const header = readExportFile(dir, `${report.exportId}-wide.csv`).split('\n')[0]?.split(',') ?? [];
      expect(header.filter((c) => PROTECTED.has(c))).toEqual([]);
      expect(header).not.toContain('ARM');
      for (const person of seeded.people) {
        const code = await pseudonymIn(t.vault, seeded.studyId, report.exportId, person.participantId);
        const mine = long.filter((r) => r.SUBJECT === code);
        const original = new Map<string, string>();
        for (const record of person.records)
          for (const [field, value] of Object.entries(record.values))
            if (DATES.has(field) && field !== 'BIRTH_DATE' && typeof value === 'string')
              original.set(`${record.visit}/${field}`, value);
        const shifted = new Map(
          mine.filter((r) => DATES.has(r.FIELD ?? '')).map((r) => [`${r.EVENT}/${r.FIELD}`, r.VALUE ?? '']),
        );
        expect(shifted.size).toBe(original.size);
        const offsets = new Set<number>();
        for (const [key, date] of original) {
          const moved = shifted.get(key) ?? '';
          expect(moved).not.toBe(date);
          offsets.add(days(date, moved));
        }
        // One offset per participant: every interval between two of their dates is the original one.
        expect(offsets.size).toBeLessThanOrEqual(1);
        // Every date moved by the same keyed offset, at least 5 weeks: none is within it of its original.
        const offset = [...offsets][0] ?? 35;
        expect(Math.abs(offset)).toBeGreaterThanOrEqual(35);
      }
    });

    it('HIPAA 164.514(b)(2)(i)(C) Safe Harbor (the default, `dates: year`): no full date survives, only the original years; audited', async () => {
      const dir = join(out, 'year');
      mkdirSync(dir);
      // Dates of birth are suppressed for k (the demo's birth years alone single people out); their
      // 90+ aggregation is checked in deid-rules.test.ts. Every other date leaves as its year.
      const made = await t.vault.exports.createIn(
        CLI_ACTOR,
        seeded.studyId,
        {
          profile: 'deidentified',
          recipient: 'Registry SH',
          purpose: 'Safe Harbor',
          suppress: ['BIRTH_DATE', 'ZIP'],
        },
        dir,
      );
      const report = expectOk(made);
      expect(report.dates).toBe('year');
      const data = ['wide', 'long'].map((k) => readExportFile(dir, `${report.exportId}-${k}.csv`)).join('\n');
      // Not one date (nor datetime) of any kind leaves: no YYYY-MM-DD at all in the data.
      expect(data).not.toMatch(/\d{4}-\d{2}-\d{2}/);
      const long = parse(readExportFile(dir, `${report.exportId}-long.csv`), { columns: true }) as Record<
        string,
        string
      >[];
      let checked = 0;
      for (const person of seeded.people) {
        const code = await pseudonymIn(t.vault, seeded.studyId, report.exportId, person.participantId);
        const mine = new Map(
          long.filter((r) => r.SUBJECT === code).map((r) => [`${r.EVENT}/${r.FIELD}`, r.VALUE ?? '']),
        );
        for (const record of person.records)
          for (const [field, value] of Object.entries(record.values)) {
            if (!DATES.has(field) || field === 'BIRTH_DATE' || typeof value !== 'string') continue;
            expect(mine.get(`${record.visit}/${field}`), field).toBe(value.slice(0, 4));
            checked++;
          }
      }
      expect(checked).toBeGreaterThan(seeded.people.length);
      const dictionary = readExportFile(dir, `${report.exportId}-dictionary.csv`);
      expect(dictionary).toMatch(/RAND_DATE.*year/);
      const event = await t.vault.deps.db
        .selectFrom('audit_events')
        .select('details')
        .where('action', '=', 'export.create')
        .where('target', '=', report.exportId)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(event.details).dates).toBe('year');
    });

    it("the date treatment is the de-identified profile's only: refused for a limited data set", async () => {
      const made = await t.vault.exports.createIn(
        CLI_ACTOR,
        seeded.studyId,
        { profile: 'limited', dates: 'year', recipient: 'Registry', purpose: 'Registry' },
        out,
      );
      expect(made.ok).toBe(false);
      if (!made.ok) expect(made.error.code).toBe('VALIDATION_FAILED');
    });

    it('ZIP codes are cut to 3 digits (000 for restricted areas) when kept; dates of birth shifted', async () => {
      const dir = join(out, 'zip');
      mkdirSync(dir);
      expectOk(await t.vault.exports.recipients.setThreshold(CLI_ACTOR, seeded.studyId, 2));
      const made = await t.vault.exports.createIn(
        CLI_ACTOR,
        seeded.studyId,
        { profile: 'deidentified', recipient: 'Registry', purpose: 'Registry', suppress: ['BIRTH_DATE'] },
        dir,
      );
      expectOk(await t.vault.exports.recipients.setThreshold(CLI_ACTOR, seeded.studyId, 5));
      if (!made.ok) {
        // The demo's ZIPs are random: k may stay below 2 with ZIP kept; the refusal names ZIP then.
        expect(made.error.code).toBe('EXPORT_REFUSED');
        return;
      }
      const long = parse(readExportFile(dir, `${made.value.exportId}-long.csv`), { columns: true }) as Record<
        string,
        string
      >[];
      for (const r of long.filter((x) => x.FIELD === 'ZIP')) {
        expect(r.VALUE).toMatch(/^\d{3}$/);
        if (r.VALUE !== '000') expect(RESTRICTED_ZIP3.has(r.VALUE ?? '')).toBe(false);
      }
    });

    it('ICH E9 2.3.1: allocation only for an unblinded recipient, and never through a blinded exporter', async () => {
      expectOk(
        await t.vault.exports.recipients.save(CLI_ACTOR, seeded.studyId, { name: 'DMC', unblinded: true }),
      );
      const input = {
        profile: 'deidentified',
        recipient: 'DMC',
        purpose: 'Unblinded review',
        suppress: ['BIRTH_DATE', 'ZIP'],
      };
      const header = (dir: string, id: string) =>
        readExportFile(dir, `${id}-wide.csv`).split('\n')[0]?.split(',') ?? [];
      const operatorDir = join(out, 'dmc');
      mkdirSync(operatorDir);
      const operator = expectOk(
        await t.vault.exports.createIn(CLI_ACTOR, seeded.studyId, input, operatorDir),
      );
      expect(operator.allocation).toBe(true);
      expect(header(operatorDir, operator.exportId)).toEqual(expect.arrayContaining(['ARM', 'KIT']));
      const { actor } = await userWithRole(t.vault, 'statistician', seeded.studyId);
      const blindDir = join(out, 'dmc-blind');
      mkdirSync(blindDir);
      const blind = expectOk(await t.vault.exports.createIn(actor, seeded.studyId, input, blindDir));
      expect(blind.allocation).toBe(false);
      expect(header(blindDir, blind.exportId)).not.toContain('ARM');
    });
  });
}
