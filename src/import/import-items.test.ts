import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type ImportFormat, readImportItems } from './import-items.js';

const dir = mkdtempSync(join(tmpdir(), 'tv-items-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function items(content: string, format: ImportFormat) {
  const file = join(dir, `f.${format}`);
  writeFileSync(file, content);
  const out = [];
  for await (const item of readImportItems(file, format)) out.push(item);
  return out;
}

describe('import file readers', () => {
  it('read CSV rows as participants and records with line numbers', async () => {
    const result = await items(
      'subject_id,site,form,visit,SYSBP\nA-1,S01,,,\nA-1,,VITALS,BASELINE,120\n',
      'csv',
    );
    expect(result).toEqual([
      { kind: 'participant', where: 'line 2', subjectId: 'A-1', site: 'S01' },
      {
        kind: 'record',
        where: 'line 3',
        subjectId: 'A-1',
        form: 'VITALS',
        visit: 'BASELINE',
        values: { SYSBP: '120' },
      },
    ]);
  });

  it('handle quoted CSV fields with commas and newlines', async () => {
    const result = await items('subject_id,form,visit,TERM\nA-1,AE,AE-1,"Rash, itchy\nand red"\n', 'csv');
    expect(result[0]).toMatchObject({ kind: 'record', values: { TERM: 'Rash, itchy\nand red' } });
  });

  it('answer every input with items or errors, never an exception (property, JSON Lines and CSV)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 300 }),
        fc.constantFrom<ImportFormat>('jsonl', 'csv', 'json'),
        async (text, format) => {
          const result = await items(text, format);
          for (const item of result) expect(['participant', 'record', 'error']).toContain(item.kind);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never echo a value in an error reason (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[A-Za-z]{12,20}$/), async (secret) => {
        const result = await items(
          `${JSON.stringify({ type: 'record', subjectId: 'A', form: 'F', visit: 'V', values: secret })}\n`,
          'jsonl',
        );
        expect(result[0]?.kind).toBe('error');
        expect(JSON.stringify(result)).not.toContain(secret);
      }),
      { numRuns: 100 },
    );
  });
});
