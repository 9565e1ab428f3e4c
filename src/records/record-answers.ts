import { z } from 'zod';
import { describes, timestamp } from '../http/answers.js';
import type { HistoryEntry, RecordSummary, RecordView } from './records-view.js';

/** The record answers' schemas, for the OpenAPI document (checked against records-view.ts). */
const fieldValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
const summaryShape = {
  id: z.string(),
  studyId: z.string(),
  participantId: z.string(),
  subjectId: z.string(),
  form: z.string().describe('The form OID'),
  formVersionId: z.string(),
  visit: z.string(),
  version: z.number().int(),
  locked: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
};
export const summaryAnswer = describes<RecordSummary>()(z.strictObject(summaryShape));
export const recordAnswer = describes<RecordView>()(
  z.strictObject({
    ...summaryShape,
    values: z
      .record(z.string(), fieldValue)
      .describe('Clinical values, and protected ones only when revealed'),
    masked: z.array(z.string()).describe('Protected fields present but not revealed'),
    unavailable: z.array(z.string()).describe('Protected fields whose key was destroyed (erasure)'),
  }),
);
const shown = z.union([
  z.strictObject({ value: fieldValue.nullable() }),
  z.strictObject({ masked: z.literal(true) }),
  z.strictObject({ unavailable: z.literal(true) }),
]);
export const historyAnswer = describes<HistoryEntry>()(
  z.strictObject({
    action: z.enum(['create', 'update', 'lock', 'unlock']),
    version: z.number().int(),
    at: timestamp,
    actor: z.string(),
    actorName: z
      .string()
      .describe('The person and their roles in the study, e.g. "Jane Smith (investigator)"'),
    reason: z.string().nullable(),
    changes: z.array(z.strictObject({ field: z.string(), old: shown, new: shown })),
  }),
);
