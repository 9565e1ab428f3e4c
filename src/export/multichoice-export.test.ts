import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { fixtureDataset, memoryOutput } from '../../test/support/export-formats-fixture.js';
import { csvWriter } from './csv-writer.js';
import { transformValue } from './field-plan.js';

async function csvFiles() {
  const { output, files } = memoryOutput();
  await csvWriter.write(fixtureDataset(), output);
  const text = (suffix: string) => [...files].find(([name]) => name.endsWith(suffix))?.[1].text ?? '';
  return {
    text,
    table: (suffix: string) => parse(text(suffix), { columns: true }) as Record<string, string>[],
  };
}

describe('CSV export of a multichoice field (issue #15 item 2)', () => {
  it('writes the ticked codes joined by "," in one wide cell and one long row', async () => {
    const { table } = await csvFiles();
    const wide = table('-wide.csv').find((r) => r.EVENT === 'AE-1');
    expect(wide?.SYMPTOMS).toBe('FEVER,RASH');
    const long = table('-long.csv').filter((r) => r.FIELD === 'SYMPTOMS');
    expect(long.map((r) => r.VALUE)).toEqual(['FEVER,RASH']);
  });

  it('lists its choices in the dictionary; the SAS and R programs read it as text', async () => {
    const { table, text } = await csvFiles();
    const entry = table('-dictionary.csv').find((r) => r.FIELD === 'SYMPTOMS');
    expect(entry).toMatchObject({ TYPE: 'multichoice', CHOICES: 'FEVER=Fever | NAUSEA=Nausea | RASH=Rash' });
    expect(text('-wide.sas')).toContain('SYMPTOMS :$200.');
    expect(text('-wide.sas')).not.toContain('$SYMPTOMSF');
    expect(text('-wide.R')).toContain('SYMPTOMS = "character"');
    expect(text('-wide.R')).not.toContain('export$SYMPTOMS <- factor');
    // A single choice still gets its format and factor.
    expect(text('-wide.R')).toContain('export$SEX <- factor');
  });
});

describe('export values of a multichoice field', () => {
  const field = {
    oid: 'SYMPTOMS',
    label: 'S',
    type: 'multichoice',
    dataClass: 'clinical',
    transform: 'none',
  } as const;
  const subject = { shiftDays: 0, birthDate: null, ageAt: '2026-12-01' };
  it('keeps a list; a code entered while the field was a single choice is a list of it; a missing code stays', () => {
    expect(transformValue(field, ['FEVER', 'RASH'], subject, undefined)).toEqual(['FEVER', 'RASH']);
    expect(transformValue(field, 'FEVER', subject, undefined)).toEqual(['FEVER']);
    expect(transformValue(field, 'NOT_DONE', subject, undefined)).toBe('NOT_DONE');
  });
});
