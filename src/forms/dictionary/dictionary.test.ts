import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FormDefinition } from '../form-definition.js';
import { readDictionary, writeDictionary } from './dictionary-io.js';

const XSD = new URL('../../../../shared/vectors/odm-1.3.2/ODM1-3-2.xsd', import.meta.url).pathname;
const PHQ9 = readFileSync(new URL('./fixtures/phq9.csv', import.meta.url), 'utf8');
const STUDY = { protocolId: 'PHQ-STUDY', title: 'Depression screening' };
const AT = '2026-01-02T03:04:05Z';

function read(content: string): FormDefinition[] {
  const result = readDictionary(content);
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value.forms;
}
function issuesOf(content: string) {
  const result = readDictionary(content);
  if (result.ok) throw new Error('expected a refusal');
  expect(result.error.code).toBe('DICTIONARY_INVALID');
  return (result.error.details as { issues: Record<string, unknown>[] }).issues;
}

describe('data dictionaries (issue #15 item 3)', () => {
  it('imports the REDCap PHQ-9: 9 items 0-3, item 10 with branching, the total as a calculation', () => {
    const [form] = read(PHQ9);
    expect(form?.oid).toBe('PHQ9');
    expect(form?.name).toBe('Patient Health Questionnaire (PHQ-9)');
    expect(form?.fields.map((f) => f.oid)).toEqual([
      ...Array.from({ length: 9 }, (_, i) => `PHQ9_${i + 1}`),
      'PHQ9_TOTAL',
      'PHQ9_10',
    ]);
    const item = form?.fields[0];
    expect(item).toMatchObject({ type: 'choice', class: 'clinical', required: true });
    expect(item?.choices?.map((c) => c.label)).toEqual([
      'Not at all',
      'Several days',
      'More than half the days',
      'Nearly every day',
    ]);
    expect(form?.fields[9]).toMatchObject({ type: 'decimal', min: 0, max: 27 });
    expect(form?.fields[9]?.calc).toContain('sum([PHQ9_1],');
    expect(form?.fields[10]?.show).toBe("[PHQ9_TOTAL] > '0'");
  });

  it('its ODM export validates against the ODM 1.3.2 XSD (xmllint)', () => {
    const xml = writeDictionary('odm', STUDY, read(PHQ9), AT);
    const file = join(mkdtempSync(join(tmpdir(), 'tv-dict-')), 'phq9.xml');
    writeFileSync(file, xml);
    const out = execFileSync('/usr/bin/xmllint', ['--noout', '--nonet', '--schema', XSD, file], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    expect(out).toBe('');
  });

  it('round trips: JSON -> CSV -> JSON and ODM -> import -> ODM are identical', () => {
    const forms = read(PHQ9);
    const json = writeDictionary('json', STUDY, forms, AT);
    const csv = writeDictionary('csv', STUDY, read(json), AT);
    expect(writeDictionary('json', STUDY, read(csv), AT)).toBe(json);
    const odm = writeDictionary('odm', STUDY, forms, AT);
    expect(writeDictionary('odm', STUDY, read(odm), AT)).toBe(odm);
    expect(read(odm)).toEqual(forms);
  });

  it('round trips every key TrialVault has (classes, units, patterns, checks) through CSV and ODM', () => {
    const rich: FormDefinition = {
      oid: 'VITALS',
      name: 'Vital signs',
      description: 'At every visit',
      repeating: true,
      fields: [
        {
          oid: 'EMAIL',
          label: 'E-mail',
          type: 'text',
          class: 'identifier',
          pattern: '[^@\\s]+@[^@\\s]+',
          lookup: 'email',
          maxLength: 200,
        },
        { oid: 'BIRTH_DATE', label: 'Date of birth', type: 'date', class: 'quasi' },
        {
          oid: 'SYSBP',
          label: 'Systolic',
          type: 'integer',
          class: 'clinical',
          unit: 'mmHg',
          min: 60,
          max: 260,
          required: true,
          help: 'Seated, after 5 minutes',
        },
        { oid: 'DIABP', label: 'Diastolic', type: 'integer', class: 'clinical', unit: 'mmHg' },
        { oid: 'SMOKER', label: 'Smoker', type: 'boolean', class: 'clinical' },
        {
          oid: 'CIGS',
          label: 'Cigarettes per day',
          type: 'integer',
          class: 'clinical',
          show: '[SMOKER] = true',
        },
        {
          oid: 'ARM',
          label: 'Arm',
          type: 'choice',
          class: 'allocation',
          choices: [
            { code: 'A', label: 'Active, "new"' },
            { code: 'P', label: 'Placebo' },
          ],
        },
        {
          oid: 'SYMPTOMS',
          label: 'Symptoms (tick all that apply)',
          type: 'multichoice',
          class: 'clinical',
          required: true,
          choices: [
            { code: '1', label: 'Headache' },
            { code: '2', label: 'Nausea' },
          ],
        },
        {
          oid: 'PULSEP',
          label: 'Pulse pressure',
          type: 'integer',
          class: 'clinical',
          calc: '[SYSBP] - [DIABP]',
        },
      ],
      checks: [
        { id: 'DIA_BELOW_SYS', expr: '[DIABP] < [SYSBP]', message: 'Diastolic must be below systolic' },
      ],
    };
    const json = writeDictionary('json', STUDY, [rich], AT);
    expect(read(writeDictionary('csv', STUDY, [rich], AT))).toEqual([rich]);
    expect(read(writeDictionary('odm', STUDY, [rich], AT))).toEqual([rich]);
    expect(read(json)).toEqual([rich]);
    const file = join(mkdtempSync(join(tmpdir(), 'tv-dict-')), 'rich.xml');
    writeFileSync(file, writeDictionary('odm', STUDY, [rich], AT));
    execFileSync('/usr/bin/xmllint', ['--noout', '--nonet', '--schema', XSD, file], { stdio: 'pipe' });
  });

  it('names the line and column of a malformed line, a bad expression and duplicate codes', () => {
    const lines = PHQ9.trimEnd().split('\n');
    const shortLine = [...lines.slice(0, 3), 'phq9_x,phq9,,radio', ...lines.slice(3)].join('\n');
    expect(issuesOf(shortLine)).toContainEqual(expect.objectContaining({ line: 4 }));
    const badLogic = PHQ9.replace("[phq9_total] > '0'", "[phq9_total] > > '0'");
    expect(issuesOf(badLogic)).toContainEqual(
      expect.objectContaining({ line: 12, column: 'Branching Logic (Show field only if...)' }),
    );
    const duplicate = PHQ9.replace('0, Not at all | 1, Several days', '0, Not at all | 0, Several days');
    const dup = issuesOf(duplicate);
    expect(dup[0]).toMatchObject({ line: 2, column: 'Choices, Calculations, OR Slider Labels' });
    expect(String(dup[0]?.message)).toContain('PHQ9_1');
    // A REDCap checkbox is a multichoice field (issue #15 item 2).
    const [checkbox] = read(PHQ9.replace(',radio,Little', ',checkbox,Little'));
    expect(checkbox?.fields[0]).toMatchObject({ type: 'multichoice', choices: expect.any(Array) });
    expect(issuesOf(PHQ9.replace(',radio,Little', ',slider,Little'))[0]).toMatchObject({
      line: 2,
      column: 'Field Type',
    });
  });

  it('names the JSON path and the ODM element', () => {
    const json = JSON.stringify({
      format: 'trialvault.forms',
      forms: [{ oid: 'F', name: 'F', fields: [{ oid: 'x' }] }],
    });
    expect(issuesOf(json)[0]?.path).toMatch(/^forms\.0\.fields\.0/);
    const xml = writeDictionary('odm', STUDY, read(PHQ9), AT).replaceAll(
      "[PHQ9_TOTAL] &gt; '0'",
      '[PHQ9_TOTAL] &gt; &gt;',
    );
    expect(issuesOf(xml)).toContainEqual(
      expect.objectContaining({ element: 'ItemDef', oid: 'IT.PHQ9.PHQ9_10' }),
    );
    expect(issuesOf('<ODM><Study>')[0]?.element).toBe('ODM');
  });
});
