import type { FormDefinition } from './form-definition.js';

export type { DataClass, FieldDefinition, FieldType, FormDefinition } from './form-definition.js';
export type { FieldValue } from './validate-values.js';

/** What the form routes answer (node-free: the web app imports these types). */
export interface FormVersion {
  readonly formId: string;
  readonly versionId: string;
  readonly oid: string;
  readonly version: number;
  readonly status: 'draft' | 'live';
  readonly definition: FormDefinition;
}

/** A form in a study's list: its latest version. */
export interface FormListing {
  readonly oid: string;
  readonly name: string;
  readonly versionId: string;
  readonly version: number;
  readonly status: 'draft' | 'live';
  readonly publishedAt: string | null;
}

/** One version of a form, without its definition (GET .../versions). */
export interface FormVersionSummary {
  readonly versionId: string;
  readonly version: number;
  readonly status: 'draft' | 'live';
  readonly createdAt: string;
  readonly publishedAt: string | null;
  readonly fields: number;
}

/** What changed in one field between two versions: each changed key with its old and new value. */
export interface FieldChange {
  readonly oid: string;
  readonly changes: readonly { key: string; from: unknown; to: unknown }[];
}

/** The field-level difference of two versions of a form (GET .../diff). */
export interface FormDiff {
  readonly oid: string;
  readonly from: number;
  readonly to: number;
  readonly added: readonly { oid: string; label: string; type: string; class: string }[];
  readonly removed: readonly { oid: string; label: string; type: string; class: string }[];
  readonly changed: readonly FieldChange[];
  /** The fields whose data class changed (also listed in `changed`): a reclassification is never routine. */
  readonly classChanges: readonly { oid: string; from: string; to: string }[];
  /** Form-level keys that changed (name, description, repeating, checks). */
  readonly form: readonly { key: string; from: unknown; to: unknown }[];
}

export const DICTIONARY_FORMATS = ['json', 'csv', 'odm'] as const;
export type DictionaryFormat = (typeof DICTIONARY_FORMATS)[number];

/** A study's form definitions as a data dictionary file (GET .../forms/export). */
export interface DictionaryExport {
  readonly format: DictionaryFormat;
  readonly mediaType: string;
  readonly filename: string;
  readonly forms: readonly string[];
  readonly content: string;
}

/** What an import created or changed: the draft of each form in the dictionary. */
export interface DictionaryImport {
  readonly format: DictionaryFormat;
  readonly drafts: readonly { oid: string; version: number; created: boolean }[];
}
