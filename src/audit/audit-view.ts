import type { HistoryEntry } from '../records/records-view.js';

/** What the audit routes answer (node-free: the web app imports these types). */
export interface AuditEventView {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  /** Who the actor is, as people read it: "Jane Smith (investigator)". */
  readonly actorName: string;
  readonly action: string;
  readonly outcome: string;
  readonly studyId: string | null;
  readonly participantId: string | null;
  readonly recordId: string | null;
  readonly target: string | null;
  readonly reason: string | null;
  readonly details: Record<string, unknown>;
}

export interface RecordTrail {
  readonly record: {
    readonly id: string;
    readonly form: string;
    readonly visit: string;
    readonly subjectId: string;
  };
  /** Who, when, what (old -> new) and why, version by version, with lock and unlock. */
  readonly history: HistoryEntry[];
  /** Every audit event about the record (reveals included). */
  readonly events: AuditEventView[];
}

export interface ParticipantTrail {
  readonly participant: { readonly id: string; readonly subjectId: string; readonly status: string };
  readonly events: AuditEventView[];
  readonly records: RecordTrail[];
}

/** A study's events, a page in ledger order; `next` is the `after` of the next page (null: the last). */
export interface StudyTrail {
  readonly items: AuditEventView[];
  readonly next: number | null;
}
