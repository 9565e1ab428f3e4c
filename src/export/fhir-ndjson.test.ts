import type {
  Observation,
  Patient,
  Questionnaire,
  QuestionnaireResponse,
  QuestionnaireResponseItemAnswer,
} from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { FIXTURE_ROWS, fixtureDataset, memoryOutput } from '../../test/support/export-formats-fixture.js';
import { fhirWriter } from './fhir-writer.js';

// FHIR R4 primitive formats (http://hl7.org/fhir/R4/datatypes.html).
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const DATE =
  /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$/;
const DATETIME =
  /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/;

// The R4 elements each resource may carry (a typo or invented element fails the test).
const ELEMENTS: Record<string, readonly string[]> = {
  Questionnaire: ['resourceType', 'id', 'url', 'version', 'name', 'title', 'status', 'subjectType', 'item'],
  Patient: ['resourceType', 'id', 'identifier'],
  QuestionnaireResponse: ['resourceType', 'id', 'identifier', 'questionnaire', 'status', 'subject', 'item'],
  Observation: [
    'resourceType',
    'id',
    'status',
    'category',
    'code',
    'subject',
    'derivedFrom',
    'valueQuantity',
  ],
};
const VALUE_FOR_ITEM_TYPE: Record<string, keyof QuestionnaireResponseItemAnswer> = {
  string: 'valueString',
  text: 'valueString',
  integer: 'valueInteger',
  decimal: 'valueDecimal',
  date: 'valueDate',
  dateTime: 'valueDateTime',
  boolean: 'valueBoolean',
  choice: 'valueCoding',
};

async function exported() {
  const { output, files } = memoryOutput();
  await fhirWriter.write(fixtureDataset(), output);
  const lines = (suffix: string) => {
    const text = files.get(`EXP-0001-${suffix}.ndjson`)?.text ?? '';
    expect(text.endsWith('\n')).toBe(true);
    return text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  return {
    files,
    questionnaires: lines('questionnaire') as unknown as Questionnaire[],
    patients: lines('patient') as unknown as Patient[],
    responses: lines('questionnaire-response') as unknown as QuestionnaireResponse[],
    observations: lines('observation') as unknown as Observation[],
  };
}

describe('FHIR R4 Bulk Data NDJSON (issue 16)', () => {
  it('writes one application/fhir+ndjson file per type and a $export-style manifest with the counts', async () => {
    const { files, responses, observations } = await exported();
    for (const [name, f] of files) {
      expect(f.closed, name).toBe(true);
      if (name.endsWith('.ndjson')) expect(f.mediaType).toBe('application/fhir+ndjson');
    }
    const manifest = JSON.parse(files.get('EXP-0001-fhir-manifest.json')?.text ?? '{}');
    expect(manifest.transactionTime).toBe('2026-12-02T12:00:00.000Z');
    expect(manifest.output).toContainEqual({
      type: 'QuestionnaireResponse',
      url: 'EXP-0001-questionnaire-response.ndjson',
      count: responses.length,
    });
    expect(manifest.output).toContainEqual({
      type: 'Observation',
      url: 'EXP-0001-observation.ndjson',
      count: observations.length,
    });
    expect(responses).toHaveLength(FIXTURE_ROWS.length);
  });

  it('every resource has its required elements, a valid unique id and only R4 elements', async () => {
    const all = await exported();
    for (const list of [all.questionnaires, all.patients, all.responses, all.observations]) {
      const ids = new Set<string>();
      for (const r of list) {
        expect(
          Object.keys(r).filter((k) => !ELEMENTS[r.resourceType]?.includes(k)),
          r.resourceType,
        ).toEqual([]);
        expect(r.id).toMatch(ID);
        ids.add(r.id ?? '');
      }
      expect(ids.size).toBe(list.length);
    }
    for (const q of all.questionnaires) expect(q.status).toBe('active');
    for (const r of all.responses)
      expect(['in-progress', 'completed', 'amended', 'entered-in-error', 'stopped']).toContain(r.status);
    for (const o of all.observations) {
      expect(o.status).toBe('final');
      expect(o.code.coding?.[0]?.code).toMatch(/^[A-Z0-9_]+\.[A-Z0-9_]+$/);
      expect(typeof o.valueQuantity?.value).toBe('number');
    }
  });

  it('every reference resolves inside the export (Patient, QuestionnaireResponse, Questionnaire canonical)', async () => {
    const { questionnaires, patients, responses, observations } = await exported();
    const patientRefs = new Set(patients.map((p) => `Patient/${p.id}`));
    const responseRefs = new Set(responses.map((r) => `QuestionnaireResponse/${r.id}`));
    const urls = new Set(questionnaires.map((q) => q.url));
    for (const r of responses) {
      expect(patientRefs).toContain(r.subject?.reference);
      expect(urls).toContain(r.questionnaire?.split('|')[0]);
    }
    for (const o of observations) {
      expect(patientRefs).toContain(o.subject?.reference);
      for (const d of o.derivedFrom ?? []) expect(responseRefs).toContain(d.reference);
    }
    expect(patients.map((p) => p.identifier?.[0]?.value)).toEqual(['P-7F3A', 'P-19C2', 'P-0001']);
  });

  it('each answer has exactly one value[x], of the type its questionnaire item declares, in FHIR format', async () => {
    const { questionnaires, responses } = await exported();
    const items = new Map(
      questionnaires.flatMap((q) => (q.item ?? []).map((i) => [`${q.url}#${i.linkId}`, i])),
    );
    let answers = 0;
    for (const r of responses) {
      for (const item of r.item ?? []) {
        const def = items.get(`${r.questionnaire?.split('|')[0]}#${item.linkId}`);
        expect(def, item.linkId).toBeDefined();
        for (const answer of item.answer ?? []) {
          answers++;
          const keys = Object.keys(answer);
          expect(keys).toEqual([VALUE_FOR_ITEM_TYPE[def?.type ?? '']]);
          if (answer.valueDate !== undefined) expect(answer.valueDate).toMatch(DATE);
          if (answer.valueDateTime !== undefined) expect(answer.valueDateTime).toMatch(DATETIME);
          if (answer.valueInteger !== undefined) expect(Number.isInteger(answer.valueInteger)).toBe(true);
          if (answer.valueCoding !== undefined) {
            expect(def?.answerOption?.map((o) => o.valueCoding?.code)).toContain(answer.valueCoding.code);
          }
        }
      }
    }
    // Every non-null value of the dataset is an answer (each ticked code of a multichoice one); nulls are absent items.
    const expected = FIXTURE_ROWS.reduce(
      (n, row) =>
        n +
        Object.values(row.values)
          .filter((v) => v !== null)
          .reduce<number>((k, v) => k + (Array.isArray(v) ? v.length : 1), 0),
      0,
    );
    expect(answers).toBe(expected);
  });

  it('a multichoice answer is one valueCoding per ticked code, on a repeating choice item (issue #15 item 2)', async () => {
    const { questionnaires, responses } = await exported();
    const ae = questionnaires.find((q) => q.name === 'AE');
    expect(ae?.item?.find((i) => i.linkId === 'SYMPTOMS')).toMatchObject({ type: 'choice', repeats: true });
    const item = responses.flatMap((r) => r.item ?? []).find((i) => i.linkId === 'SYMPTOMS');
    expect(item?.answer?.map((a) => [a.valueCoding?.code, a.valueCoding?.display])).toEqual([
      ['FEVER', 'Fever'],
      ['RASH', 'Rash'],
    ]);
  });

  it('numeric values are Observations with their unit; a top-coded age (90+) is a string answer, not an Observation', async () => {
    const { responses, observations } = await exported();
    const sysbp = observations.find((o) => o.code.coding?.[0]?.code === 'VITALS.SYSBP');
    expect(sysbp?.valueQuantity).toEqual({ value: 128, unit: 'mmHg' });
    const age = responses[0]?.item?.find((i) => i.linkId === 'AGE');
    expect(age?.answer).toEqual([{ valueString: '90+' }]);
    expect(
      observations.some((o) => o.code.coding?.[0]?.code === 'DEMOG.AGE' && o.valueQuantity?.value === 54),
    ).toBe(true);
    expect(
      observations.some(
        (o) => o.code.coding?.[0]?.code === 'DEMOG.AGE' && o.subject?.reference === 'Patient/P-7F3A',
      ),
    ).toBe(false);
  });
});
