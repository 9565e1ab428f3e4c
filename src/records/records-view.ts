import type { FieldValue } from '../forms/validate-values.js';

/** What the record routes answer (node-free: the web app imports these types). */
export interface RecordView {
  readonly id: string;
  readonly studyId: string;
  readonly participantId: string;
  readonly subjectId: string;
  readonly form: string;
  readonly formVersionId: string;
  readonly visit: string;
  readonly version: number;
  readonly locked: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly values: Record<string, FieldValue>;
  readonly masked: string[];
  readonly unavailable: string[];
}

/** A record without its values (a participant's list of records). */
export type RecordSummary = Omit<RecordView, 'values' | 'masked' | 'unavailable'>;

export type Shown =
  | { readonly value: FieldValue | null }
  | { readonly masked: true }
  | { readonly unavailable: true };

export interface HistoryEntry {
  readonly action: 'create' | 'update' | 'lock' | 'unlock';
  readonly version: number;
  readonly at: string;
  readonly actor: string;
  /** Who the actor is, as people read it: "Jane Smith (investigator)" (authz/actor-names.ts). */
  readonly actorName: string;
  readonly reason: string | null;
  readonly changes: readonly { readonly field: string; readonly old: Shown; readonly new: Shown }[];
}
