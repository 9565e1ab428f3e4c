import type { DataClass, FieldType } from '../forms/form-definition.js';

/**
 * The neutral export dataset every format writer (CSV, ODM ClinicalData, FHIR NDJSON) consumes.
 * It is ALREADY de-identified by the export engine under the chosen profile (HIPAA 164.514(b)(2),
 * 164.514(e)): writers never see a dropped field, a real subject id, a real full date (in the
 * de-identified profile: years only, or shifted dates) or a blinded allocation value, so a writer cannot leak what it never gets.
 * Rows are streamed (AsyncIterable) so an export stays flat in memory whatever its size.
 * The contract is written down in /work/notes/EXPORT-API.md and docs/export.md.
 */

export const EXPORT_PROFILES = ['deidentified', 'limited', 'identified'] as const;
export type ExportProfile = (typeof EXPORT_PROFILES)[number];

/**
 * What a de-identified export does with dates (HIPAA 164.514(b)(2)(i)(C)): `year` is Safe Harbor
 * (every element of a date but the year removed; the birth year of a person over 89 aggregated into
 * 90+); `shift` moves every date of a participant by one keyed offset, keeping intervals: that is
 * not Safe Harbor and needs an expert determination (164.514(b)(1)). `kept`: a limited data set or an
 * identified export, whose dates are the real ones.
 */
export const DATE_TREATMENTS = ['year', 'shift'] as const;
export type DateTreatment = (typeof DATE_TREATMENTS)[number] | 'kept';

/** What the engine did to a field's values, so dictionaries and metadata can say so. */
export type FieldTransform =
  | 'none'
  /** Dates moved by the participant's keyed offset: intervals within a participant are kept. */
  | 'date-shifted'
  /** Dates reduced to their year (Safe Harbor); a birth year showing an age over 89 is '90+'. */
  | 'year'
  /** ZIP cut to 3 digits, 000 for restricted areas (164.514(b)(2)(i)(B)). */
  | 'zip3'
  /** Ages above 89 are exported as the string '90+' (164.514(b)(2)(i)(C)). */
  | 'age-top-coded'
  /** Free text passed through the scrubber (names, dates, phones, e-mails, MRNs, addresses). */
  | 'scrubbed';

/** A value as exported: dates are 'YYYY-MM-DD', datetimes ISO 8601 UTC; '90+' for top-coded ages. */
export type ExportValue = string | number | boolean | readonly string[] | null;

export interface ExportChoice {
  readonly code: string;
  readonly label: string;
}

export interface ExportField {
  /** ODM ItemDef OID, unique within its form. */
  readonly oid: string;
  readonly label: string;
  readonly type: FieldType;
  readonly dataClass: DataClass;
  readonly unit?: string;
  readonly choices?: readonly ExportChoice[];
  readonly transform: FieldTransform;
}

export interface ExportForm {
  /** ODM FormDef OID. */
  readonly oid: string;
  readonly name: string;
  readonly repeating: boolean;
  /** The newest published version exported; rows say which version each value was entered under. */
  readonly version: number;
  /** Only the fields exported under the profile, in definition order (dropped fields are absent). */
  readonly fields: readonly ExportField[];
}

export interface ExportStudy {
  /** Protocol id (ODM StudyOID source): not an identifier of a person. */
  readonly protocolId: string;
  readonly title: string;
  readonly isDemo: boolean;
}

export interface ExportInfo {
  /** The export's id (audit target); also names the files. */
  readonly exportId: string;
  readonly profile: ExportProfile;
  /** What the dates went through: `year` or `shift` in the de-identified profile, else `kept`. */
  readonly dates: DateTreatment;
  readonly recipient: string;
  readonly purpose: string;
  /** Server time the export was made, ISO 8601 UTC. */
  readonly createdAt: string;
}

export interface ExportRow {
  /** Per-export pseudonym (de-identified), or the real subject id (limited/identified). */
  readonly subject: string;
  /** Site code, or null where the profile withholds it. */
  readonly site: string | null;
  /** The event/visit (e.g. 'SCREENING', 'WEEK4', 'AE-1' for repeating forms). */
  readonly event: string;
  /** ExportForm.oid. */
  readonly form: string;
  /** The form version this record's current values were entered under. */
  readonly formVersion: number;
  /** Only exported fields; a field absent here had no value. Keys are ExportField.oid. */
  readonly values: Readonly<Record<string, ExportValue>>;
}

/**
 * The dataset. `rows()` may be called once per writer pass; rows come grouped by subject (all rows
 * of one subject contiguous), within a subject by event then form, subjects in no meaningful order
 * (synthetic canary subjects are among them and look like any other). Writers must not buffer all rows.
 */
export interface ExportDataset {
  readonly study: ExportStudy;
  readonly info: ExportInfo;
  readonly forms: readonly ExportForm[];
  rows(): AsyncIterable<ExportRow>;
}

/** A file being written by a writer; the engine hashes (SHA-256) and, if asked, encrypts what passes. */
export interface ExportFile {
  write(chunk: string): Promise<void>;
  close(): Promise<void>;
}

/** Where writers put their files; names are plain file names (no directories), unique per export. */
export interface ExportOutput {
  file(name: string, mediaType: string): Promise<ExportFile>;
}

export const EXPORT_FORMATS = ['csv', 'odm', 'fhir'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One format: CSV (wide + long + dictionary + SAS/R), ODM ClinicalData, FHIR NDJSON. */
export interface FormatWriter {
  readonly format: ExportFormat;
  write(dataset: ExportDataset, out: ExportOutput): Promise<void>;
}

/** An in-memory dataset, for tests and small fixtures (the engine streams from the store). */
export function datasetOf(
  study: ExportStudy,
  info: ExportInfo,
  forms: readonly ExportForm[],
  rows: readonly ExportRow[],
): ExportDataset {
  return {
    study,
    info,
    forms,
    async *rows() {
      yield* rows;
    },
  };
}

/** The field of a form by OID, for writers that look values up. */
export function fieldOf(form: ExportForm, oid: string): ExportField | undefined {
  return form.fields.find((field) => field.oid === oid);
}
