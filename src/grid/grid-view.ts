/** The participant's event grid (GET /api/v1/participants/:id/grid), like REDCap's record home page. */
export const CELL_STATES = ['not-started', 'in-progress', 'complete', 'locked', 'signed', 'overdue'] as const;
export type CellState = (typeof CELL_STATES)[number];

export interface GridCell {
  readonly form: string;
  readonly state: CellState;
  /** The record at this event and form (the first instance for a repeating event), if any. */
  readonly recordId: string | null;
  /** The visit key to enter this cell under (the event OID, or OID-n for the next repeating instance). */
  readonly visit: string;
}

export interface GridEvent {
  readonly oid: string;
  readonly name: string;
  readonly kind: string;
  /** The allowed range from the enrolment date, for scheduled events. */
  readonly window: { readonly target: string; readonly from: string; readonly to: string } | null;
  readonly cells: readonly GridCell[];
}

export interface GridView {
  readonly participantId: string;
  readonly subjectId: string;
  /** The reference date of the windows: the enrolment date (server UTC date of enrolment). */
  readonly reference: string;
  readonly scheduleVersion: number;
  readonly events: readonly GridEvent[];
  /** Records at visit keys that are no event of the schedule (entered before it existed). */
  readonly unscheduled: readonly {
    readonly recordId: string;
    readonly form: string;
    readonly visit: string;
  }[];
}
