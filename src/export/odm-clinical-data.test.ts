import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_ROWS, fixtureDataset, memoryOutput } from '../../test/support/export-formats-fixture.js';
import { expectOk } from '../core/result.js';
import type { ExportDataset, ExportRow } from './export-dataset.js';
import { writeOdm } from './odm-clinical-data.js';
import { readOdm } from './odm-clinical-data-reader.js';
import { odmWriter } from './odm-writer.js';

const XSD = new URL('../../../shared/vectors/odm-1.3.2/ODM1-3-2.xsd', import.meta.url).pathname;

async function odmOf(dataset: ExportDataset): Promise<string> {
  let xml = '';
  await writeOdm(dataset, async (chunk) => {
    xml += chunk;
  });
  return xml;
}

async function rowsOf(dataset: ExportDataset) {
  const rows = [];
  for await (const row of dataset.rows()) rows.push(row);
  return rows;
}

describe('CDISC ODM 1.3.2 ClinicalData (issue 16)', () => {
  it('validates against the ODM 1.3.2 XSD (xmllint)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-odm-'));
    const file = join(dir, 'export.xml');
    writeFileSync(file, await odmOf(fixtureDataset()));
    // xmllint exits non-zero and names the element on any schema violation.
    const out = execFileSync('/usr/bin/xmllint', ['--noout', '--nonet', '--schema', XSD, file], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    expect(out).toBe('');
  });

  it('an export without rows, sites or units still validates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-odm-'));
    const file = join(dir, 'empty.xml');
    writeFileSync(file, await odmOf(fixtureDataset([])));
    execFileSync('/usr/bin/xmllint', ['--noout', '--nonet', '--schema', XSD, file], { stdio: 'pipe' });
  });

  it('round trip: write -> read -> write is byte-identical, and the rows read are the rows written', async () => {
    const first = await odmOf(fixtureDataset());
    const read = expectOk(readOdm(first));
    expect(await odmOf(read)).toBe(first);
    expect(await rowsOf(read)).toEqual(await rowsOf(fixtureDataset()));
    expect(read.forms).toEqual(fixtureDataset().forms);
    expect(read.info).toEqual(fixtureDataset().info);
    expect(read.study).toEqual(fixtureDataset().study);
  });

  it('writes a multichoice value as its codes joined by "," on a text item with the code list; reads it back (issue #15 item 2)', async () => {
    const ae = FIXTURE_ROWS.findIndex((r) => r.form === 'AE');
    const extra = { ...(FIXTURE_ROWS[ae] as ExportRow), event: 'AE-2', values: { SYMPTOMS: 'NOT_DONE' } };
    const rows = [...FIXTURE_ROWS.slice(0, ae + 1), extra, ...FIXTURE_ROWS.slice(ae + 1)];
    const xml = await odmOf(fixtureDataset(rows));
    expect(xml).toContain('<ItemData ItemOID="IT.AE.SYMPTOMS" Value="FEVER,RASH"/>');
    expect(xml).toMatch(
      /<ItemDef OID="IT.AE.SYMPTOMS" Name="SYMPTOMS" DataType="text">[\s\S]*?<CodeListRef CodeListOID="CL.AE.SYMPTOMS"\/>/,
    );
    const read = await rowsOf(expectOk(readOdm(xml)));
    expect(read.filter((r) => r.form === 'AE').map((r) => r.values.SYMPTOMS)).toEqual([
      ['FEVER', 'RASH'],
      'NOT_DONE',
    ]);
  });

  it('keeps free text exactly: newlines, tabs, markup characters and non-ASCII survive the attribute', async () => {
    const read = expectOk(readOdm(await odmOf(fixtureDataset())));
    const rows = await rowsOf(read);
    expect(rows[1]?.values.NOTES).toBe(
      'Seen by [NAME] on [DATE].\nLine two\twith a tab & <angle> "quotes" ü 🩺',
    );
  });

  it('replaces characters XML 1.0 cannot carry (NUL, lone surrogates) with U+FFFD', async () => {
    const rows = [
      {
        subject: 'P-1',
        site: null,
        event: 'E1',
        form: 'AE',
        formVersion: 1,
        values: { TERM: 'a\u0000b\uD800c' },
      },
    ];
    const read = expectOk(readOdm(await odmOf(fixtureDataset(rows))));
    expect((await rowsOf(read))[0]?.values.TERM).toBe('a\uFFFDb\uFFFDc');
  });

  it('declares the metadata of the exported forms: FormDef, ItemGroupDef, ItemDef, CodeList, units', async () => {
    const xml = await odmOf(fixtureDataset());
    expect(xml).toContain('<FormDef OID="AE" Name="Adverse event" Repeating="Yes">');
    expect(xml).toContain('<ItemDef OID="IT.VITALS.WEIGHT" Name="WEIGHT" DataType="float">');
    // A top-coded age is text ('90+'), not an integer.
    expect(xml).toContain('<ItemDef OID="IT.DEMOG.AGE" Name="AGE" DataType="text">');
    expect(xml).toContain('<CodeListItem CodedValue="F">');
    expect(xml).toContain('<MeasurementUnit OID="MU.mmHg" Name="mmHg">');
    expect(xml).toContain('<ItemData ItemOID="IT.VITALS.WEIGHT" IsNull="Yes"/>');
  });

  it('refuses a document that is not an ODM export, naming no value', () => {
    const result = readOdm('<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"><Study/></ODM>');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('IMPORT_REJECTED');
    expect(readOdm('not xml <<<').ok).toBe(false);
  });

  it('the odm FormatWriter writes one closed application/xml file named after the export', async () => {
    const { output, files } = memoryOutput();
    await odmWriter.write(fixtureDataset(), output);
    expect([...files.keys()]).toEqual(['EXP-0001-odm.xml']);
    expect(files.get('EXP-0001-odm.xml')).toMatchObject({ mediaType: 'application/xml', closed: true });
  });
});
