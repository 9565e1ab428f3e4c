import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExportFile, type Seeded, seededDemo } from '../../test/support/exports.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { DEMO_FORMS } from '../demo/demo-forms.js';
import { writeOdm } from './odm-clinical-data.js';
import { readOdm } from './odm-clinical-data-reader.js';

const XSD = new URL('../../../shared/vectors/odm-1.3.2/ODM1-3-2.xsd', import.meta.url).pathname;
const PROTECTED = new Set(
  DEMO_FORMS.flatMap((f) =>
    f.fields.filter((x) => ['identifier', 'financial', 'allocation'].includes(x.class)).map((x) => x.oid),
  ),
);
const DEID = {
  profile: 'deidentified',
  recipient: 'Statistics unit',
  purpose: 'Interim analysis',
  suppress: ['BIRTH_DATE', 'ZIP'],
} as const;

for (const dialect of DIALECTS) {
  describe(`ODM and FHIR exports of the demo study (${dialect})`, () => {
    let t: TestVault;
    let out: string;
    let seeded: { studyId: string; people: Seeded[] };
    beforeAll(async () => {
      t = await freshVault(dialect);
      expectOk(await t.vault.demo.seed(CLI_ACTOR, 7));
      seeded = await seededDemo(t.vault);
      out = mkdtempSync(join(tmpdir(), 'tv-export-formats-'));
    });
    afterAll(async () => {
      rmSync(out, { recursive: true, force: true });
      await t.cleanup();
    });

    const leaks = (text: string) =>
      seeded.people.flatMap((person) => [
        ...(text.includes(person.subjectId) ? [`subject ${person.subjectId}`] : []),
        ...person.records.flatMap((record) =>
          Object.entries(record.values)
            .filter(
              ([field, value]) =>
                PROTECTED.has(field) && String(value).length >= 5 && text.includes(String(value)),
            )
            .map(([field]) => field),
        ),
      ]);

    it('HIPAA 164.514(b)(2): a de-identified ODM export validates against the ODM 1.3.2 XSD, leaks nothing and round-trips', async () => {
      const dir = join(out, 'odm');
      mkdirSync(dir);
      const report = expectOk(
        await t.vault.exports.createIn(CLI_ACTOR, seeded.studyId, { ...DEID, format: 'odm' }, dir),
      );
      expect(report.files.map((f) => f.name)).toEqual([`${report.exportId}-odm.xml`]);
      const file = join(dir, `${report.exportId}-odm.xml`);
      execFileSync('/usr/bin/xmllint', ['--noout', '--nonet', '--schema', XSD, file], { stdio: 'pipe' });
      const xml = readExportFile(dir, `${report.exportId}-odm.xml`);
      expect(leaks(xml)).toEqual([]);
      // Free text is scrubbed (its transform says so) and the adverse-event terms survive it.
      expect(xml).toContain('<Alias Context="TrialVault:transform" Name="scrubbed"/>');
      expect(xml).toMatch(
        /ItemOID="IT\.AE\.TERM" Value="(Headache|Nausea|Fatigue|Dizziness|Rash|Insomnia|Back pain|Cough)"/,
      );
      let again = '';
      await writeOdm(expectOk(readOdm(xml)), async (chunk) => {
        again += chunk;
      });
      expect(again).toBe(xml);
    });

    it('HIPAA 164.514(b)(2): a de-identified FHIR export is NDJSON per type, references resolve, nothing leaks', async () => {
      const dir = join(out, 'fhir');
      mkdirSync(dir);
      const report = expectOk(
        await t.vault.exports.createIn(CLI_ACTOR, seeded.studyId, { ...DEID, format: 'fhir' }, dir),
      );
      const names = report.files.map((f) => f.name.replace(`${report.exportId}-`, ''));
      expect(names).toEqual([
        'questionnaire.ndjson',
        'patient.ndjson',
        'questionnaire-response.ndjson',
        'observation.ndjson',
        'fhir-manifest.json',
      ]);
      const all = report.files.map((f) => readExportFile(dir, f.name)).join('\n');
      expect(leaks(all)).toEqual([]);
      const lines = (name: string) =>
        readExportFile(dir, `${report.exportId}-${name}`)
          .trimEnd()
          .split('\n')
          .map(
            (l) =>
              JSON.parse(l) as {
                id: string;
                subject?: { reference: string };
                derivedFrom?: { reference: string }[];
              },
          );
      const patients = new Set(lines('patient.ndjson').map((p) => `Patient/${p.id}`));
      const responses = lines('questionnaire-response.ndjson');
      const responseIds = new Set(responses.map((r) => `QuestionnaireResponse/${r.id}`));
      expect(responses.length).toBeGreaterThan(0);
      for (const r of responses) expect(patients).toContain(r.subject?.reference);
      for (const o of lines('observation.ndjson')) {
        expect(patients).toContain(o.subject?.reference);
        expect(responseIds).toContain(o.derivedFrom?.[0]?.reference);
      }
    });
  });
}
