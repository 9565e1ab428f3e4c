import {
  datasetOf,
  type ExportDataset,
  type ExportForm,
  type ExportOutput,
  type ExportRow,
} from '../../src/export/export-dataset.js';

/** A small de-identified dataset touching every field type, unit, choice, null and awkward text (ODM/FHIR tests). */
export const FIXTURE_FORMS: readonly ExportForm[] = [
  {
    oid: 'DEMOG',
    name: 'Demographics',
    repeating: false,
    version: 2,
    fields: [
      {
        oid: 'AGE',
        label: 'Age at consent',
        type: 'integer',
        dataClass: 'quasi',
        unit: 'years',
        transform: 'age-top-coded',
      },
      {
        oid: 'SEX',
        label: 'Sex',
        type: 'choice',
        dataClass: 'quasi',
        transform: 'none',
        choices: [
          { code: 'F', label: 'Female' },
          { code: 'M', label: 'Male' },
        ],
      },
      { oid: 'ZIP', label: 'ZIP (3 digits)', type: 'text', dataClass: 'quasi', transform: 'zip3' },
      {
        oid: 'CONSENT_DATE',
        label: 'Consent date',
        type: 'date',
        dataClass: 'quasi',
        transform: 'date-shifted',
      },
    ],
  },
  {
    oid: 'VITALS',
    name: 'Vital signs',
    repeating: false,
    version: 1,
    fields: [
      {
        oid: 'SYSBP',
        label: 'Systolic BP',
        type: 'integer',
        dataClass: 'clinical',
        unit: 'mmHg',
        transform: 'none',
      },
      {
        oid: 'WEIGHT',
        label: 'Weight',
        type: 'decimal',
        dataClass: 'clinical',
        unit: 'kg',
        transform: 'none',
      },
      { oid: 'SMOKER', label: 'Current smoker', type: 'boolean', dataClass: 'clinical', transform: 'none' },
      {
        oid: 'TAKEN_AT',
        label: 'Measured at',
        type: 'datetime',
        dataClass: 'clinical',
        transform: 'date-shifted',
      },
      {
        oid: 'NOTES',
        label: 'Notes <free text> & "comments"',
        type: 'text',
        dataClass: 'clinical',
        transform: 'scrubbed',
      },
    ],
  },
  {
    oid: 'AE',
    name: 'Adverse event',
    repeating: true,
    version: 1,
    fields: [
      { oid: 'TERM', label: 'Term', type: 'text', dataClass: 'clinical', transform: 'scrubbed' },
      { oid: 'SERIOUS', label: 'Serious', type: 'boolean', dataClass: 'clinical', transform: 'none' },
      {
        oid: 'SYMPTOMS',
        label: 'Symptoms (tick all that apply)',
        type: 'multichoice',
        dataClass: 'clinical',
        transform: 'none',
        choices: [
          { code: 'FEVER', label: 'Fever' },
          { code: 'NAUSEA', label: 'Nausea' },
          { code: 'RASH', label: 'Rash' },
        ],
      },
    ],
  },
];

export const FIXTURE_ROWS: readonly ExportRow[] = [
  {
    subject: 'P-7F3A',
    site: 'S01',
    event: 'SCREENING',
    form: 'DEMOG',
    formVersion: 2,
    values: { AGE: '90+', SEX: 'F', ZIP: '021', CONSENT_DATE: '2026-01-19' },
  },
  {
    subject: 'P-7F3A',
    site: 'S01',
    event: 'BASELINE',
    form: 'VITALS',
    formVersion: 1,
    values: {
      SYSBP: 128,
      WEIGHT: 71.5,
      SMOKER: false,
      TAKEN_AT: '2026-01-19T09:30:00.000Z',
      NOTES: 'Seen by [NAME] on [DATE].\nLine two\twith a tab & <angle> "quotes" ü 🩺',
    },
  },
  {
    subject: 'P-7F3A',
    site: 'S01',
    event: 'WEEK4',
    form: 'VITALS',
    formVersion: 1,
    values: { SYSBP: 131, WEIGHT: null, SMOKER: true },
  },
  {
    subject: 'P-7F3A',
    site: 'S01',
    event: 'AE-1',
    form: 'AE',
    formVersion: 1,
    values: { TERM: 'Headache', SERIOUS: false, SYMPTOMS: ['FEVER', 'RASH'] },
  },
  {
    subject: 'P-19C2',
    site: 'S02',
    event: 'SCREENING',
    form: 'DEMOG',
    formVersion: 1,
    values: { AGE: 54, SEX: 'M', ZIP: '000' },
  },
  {
    subject: 'P-19C2',
    site: 'S02',
    event: 'BASELINE',
    form: 'VITALS',
    formVersion: 1,
    values: { SYSBP: 142, WEIGHT: 88.25 },
  },
  { subject: 'P-0001', site: null, event: 'BASELINE', form: 'VITALS', formVersion: 1, values: {} },
];

export function fixtureDataset(rows: readonly ExportRow[] = FIXTURE_ROWS): ExportDataset {
  return datasetOf(
    { protocolId: 'DEMO-01', title: 'Demo & "quoted" study', isDemo: true },
    {
      exportId: 'EXP-0001',
      profile: 'deidentified',
      dates: 'shift',
      recipient: 'Stats Unit',
      purpose: 'Primary analysis',
      createdAt: '2026-12-02T12:00:00.000Z',
    },
    FIXTURE_FORMS,
    rows,
  );
}

/** An ExportOutput that keeps every file in memory: name -> { mediaType, text, closed }. */
export function memoryOutput() {
  const files = new Map<string, { mediaType: string; text: string; closed: boolean }>();
  const output: ExportOutput = {
    async file(name, mediaType) {
      const entry = { mediaType, text: '', closed: false };
      files.set(name, entry);
      return {
        async write(chunk) {
          entry.text += chunk;
        },
        async close() {
          entry.closed = true;
        },
      };
    },
  };
  return { output, files };
}
