import { z } from 'zod';

/** The record request bodies: the routes validate and document them, the service parses them again. */
const VISIT = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
/**
 * A value as sent: text, a number, true/false, a list of codes (multichoice), or null (left empty). The form decides what each field
 * accepts (forms/validate-values.ts); missing-data codes are text (docs/logic.md#missing-data).
 */
export const fieldInputSchema = z
  .union([z.string().max(100_000), z.number(), z.boolean(), z.array(z.string().max(64)).max(500), z.null()])
  .describe(
    'Text, number, true/false, a list of choice codes (multichoice), a missing-data code, or null for empty',
  );
const valuesSchema = z.record(z.string().max(64), fieldInputSchema);
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
  reason: z.string().optional().describe('Required: the reason for change (1 to 1000 characters)'),
  expectedVersion: z.number().int().positive().optional(),
});
export type CreateRecordInput = z.infer<typeof createRecordSchema>;
