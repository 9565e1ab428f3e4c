import { createHash } from 'node:crypto';
import type {
  Observation,
  Patient,
  Questionnaire,
  QuestionnaireItem,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  QuestionnaireResponseItemAnswer,
} from '@medplum/fhirtypes';
import { isCodeList } from '../core/field-value.js';
import type { ExportDataset, ExportField, ExportForm, ExportRow } from './export-dataset.js';

/**
 * FHIR R4 resources of an export, as the Bulk Data `$export` writes them (issue 16): one NDJSON file
 * per resource type (one resource per line), plus a manifest shaped like the $export status answer.
 * A Questionnaire per exported form (its metadata), a Patient per subject (only its pseudonym: the
 * profile already removed everything else), a QuestionnaireResponse per form instance and an
 * Observation per numeric value (derived from its QuestionnaireResponse). Rows are streamed.
 */

export const FHIR_TYPES = ['Questionnaire', 'Patient', 'QuestionnaireResponse', 'Observation'] as const;
export type FhirExportType = (typeof FHIR_TYPES)[number];

/** The namespace of the identifiers and code systems this export mints. */
export const fhirBase = (protocolId: string) => `urn:trialvault:${encodeURIComponent(protocolId)}`;

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** A FHIR id ([A-Za-z0-9-.]{1,64}): the key itself when it fits, else a digest of it (stable, no collisions). */
export function fhirId(...parts: readonly string[]): string {
  const joined = parts.join('.');
  return ID.test(joined)
    ? joined
    : createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40);
}

const ITEM_TYPES: Record<ExportField['type'], QuestionnaireItem['type']> = {
  text: 'text',
  integer: 'integer',
  decimal: 'decimal',
  date: 'date',
  datetime: 'dateTime',
  boolean: 'boolean',
  choice: 'choice',
  multichoice: 'choice',
};

const codeSystem = (base: string, form: ExportForm, field: ExportField) =>
  `${base}:codesystem:${form.oid}.${field.oid}`;
export const questionnaireUrl = (base: string, form: ExportForm) => `${base}:questionnaire:${form.oid}`;

/** A top-coded age ('90+') is a string, whatever the item type: the questionnaire says text for it. */
const itemType = (field: ExportField) =>
  field.transform === 'age-top-coded' ? 'string' : ITEM_TYPES[field.type];

export function questionnaireOf(dataset: ExportDataset, form: ExportForm): Questionnaire {
  const base = fhirBase(dataset.study.protocolId);
  return {
    resourceType: 'Questionnaire',
    id: fhirId(form.oid),
    url: questionnaireUrl(base, form),
    version: String(form.version),
    name: form.oid,
    title: form.name,
    status: 'active',
    subjectType: ['Patient'],
    item: form.fields.map((field) => ({
      linkId: field.oid,
      text: field.label,
      type: itemType(field),
      // A multichoice item repeats: each ticked code is one answer.
      repeats: field.type === 'multichoice',
      ...(field.choices === undefined
        ? {}
        : {
            answerOption: field.choices.map((c) => ({
              valueCoding: { system: codeSystem(base, form, field), code: c.code, display: c.label },
            })),
          }),
    })),
  };
}

function answerOf(base: string, form: ExportForm, field: ExportField, value: string | number | boolean) {
  // The questionnaire declares a top-coded item as a string: every answer of it is one ('54', '90+').
  if (field.transform === 'age-top-coded') return { valueString: String(value) };
  if (typeof value === 'boolean') return { valueBoolean: value };
  if (typeof value === 'number') {
    return field.type === 'integer' && Number.isInteger(value)
      ? { valueInteger: value }
      : { valueDecimal: value };
  }
  switch (field.type) {
    case 'choice':
    case 'multichoice': {
      const display = field.choices?.find((c) => c.code === value)?.label;
      return {
        valueCoding: {
          system: codeSystem(base, form, field),
          code: value,
          ...(display === undefined ? {} : { display }),
        },
      };
    }
    case 'date':
      return { valueDate: value };
    case 'datetime':
      return { valueDateTime: value };
    default:
      return { valueString: value };
  }
}

const patientRef = (row: ExportRow) => ({ reference: `Patient/${fhirId(row.subject)}` });

export function questionnaireResponseOf(
  dataset: ExportDataset,
  form: ExportForm,
  row: ExportRow,
): QuestionnaireResponse {
  const base = fhirBase(dataset.study.protocolId);
  const item: QuestionnaireResponseItem[] = [];
  for (const field of form.fields) {
    const value = row.values[field.oid];
    if (value === undefined || value === null) continue; // no answer: the item is absent (FHIR has no null answer)
    const answer: QuestionnaireResponseItemAnswer[] = isCodeList(value)
      ? value.map((code) => answerOf(base, form, field, code))
      : [answerOf(base, form, field, value)];
    item.push({ linkId: field.oid, text: field.label, answer });
  }
  return {
    resourceType: 'QuestionnaireResponse',
    id: fhirId(row.subject, row.event, row.form),
    identifier: { system: `${base}:record`, value: `${row.subject}/${row.event}/${row.form}` },
    questionnaire: `${questionnaireUrl(base, form)}|${row.formVersion}`,
    status: 'completed',
    subject: patientRef(row),
    item,
  };
}

/** One Observation per numeric value of the row (a top-coded '90+' is not numeric and has none). */
export function observationsOf(dataset: ExportDataset, form: ExportForm, row: ExportRow): Observation[] {
  const base = fhirBase(dataset.study.protocolId);
  const response = `QuestionnaireResponse/${fhirId(row.subject, row.event, row.form)}`;
  return form.fields.flatMap((field): Observation[] => {
    const value = row.values[field.oid];
    if ((field.type !== 'integer' && field.type !== 'decimal') || typeof value !== 'number') return [];
    return [
      {
        resourceType: 'Observation',
        id: fhirId(row.subject, row.event, row.form, field.oid),
        status: 'final',
        category: [
          {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' },
            ],
          },
        ],
        code: {
          coding: [{ system: `${base}:item`, code: `${form.oid}.${field.oid}`, display: field.label }],
          text: field.label,
        },
        subject: patientRef(row),
        derivedFrom: [{ reference: response }],
        valueQuantity: { value, ...(field.unit === undefined ? {} : { unit: field.unit }) },
      },
    ];
  });
}

export const patientOf = (row: ExportRow): Patient => ({
  resourceType: 'Patient',
  id: fhirId(row.subject),
  identifier: [{ system: 'urn:trialvault:subject', value: row.subject }],
});

/** Writes the four NDJSON streams: `line(type, resource)` is called in dataset order. */
export async function writeFhir(
  dataset: ExportDataset,
  line: (type: FhirExportType, json: string) => Promise<void>,
): Promise<void> {
  for (const form of dataset.forms)
    await line('Questionnaire', JSON.stringify(questionnaireOf(dataset, form)));
  const forms = new Map(dataset.forms.map((f) => [f.oid, f]));
  let subject: string | undefined;
  for await (const row of dataset.rows()) {
    const form = forms.get(row.form);
    if (form === undefined) continue;
    if (row.subject !== subject) {
      await line('Patient', JSON.stringify(patientOf(row)));
      subject = row.subject;
    }
    await line('QuestionnaireResponse', JSON.stringify(questionnaireResponseOf(dataset, form, row)));
    for (const observation of observationsOf(dataset, form, row))
      await line('Observation', JSON.stringify(observation));
  }
}
