import { z } from 'zod';

/** The record request bodies: the routes validate and document them, the service parses them again. */
const VISIT = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
const valuesSchema = z.record(z.string().max(64), z.unknown());
export const createRecordSchema = z.strictObject({
  participantId: z.string().min(1).max(64),
  form: z.string().min(1).max(64),
  visit: z.string().regex(VISIT, 'letters, digits, space . _ - (at most 64)'),
  values: valuesSchema,
  reason: z.string().max(1000).optional(),
});
export const updateRecordSchema = z.strictObject({
  changes: valuesSchema,
  // Checked by the service, so that a missing or empty one is REASON_REQUIRED (21 CFR 11.10(e)).
  reason: z.unknown().optional().describe('Required: the reason for change (1 to 1000 characters)'),
  expectedVersion: z.number().int().positive().optional(),
});
