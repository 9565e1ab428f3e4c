import type { ScheduleEvent } from './schedule-definition.js';

/** A study's schedule as the API answers it (GET/PUT /api/v1/studies/:study/schedule). */
export interface ScheduleView {
  readonly studyId: string;
  /** 0 when the study has no schedule yet (records then keep free visit keys). */
  readonly version: number;
  readonly updatedAt: string | null;
  readonly events: readonly ScheduleEvent[];
}

export type { EventKind, ScheduleDefinition, ScheduleEvent } from './schedule-definition.js';
