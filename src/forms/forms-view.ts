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
