/**
 * Missing-data codes: a reason a value is absent, recorded in place of the value (CDISC "null
 * flavors", REDCap "missing data codes"). On the wire and at rest a code is the reserved string itself,
 * accepted by every field type; a choice list may not use these codes (docs/logic.md#missing-data).
 */
export const MISSING_CODES = ['NOT_DONE', 'UNKNOWN', 'NOT_APPLICABLE'] as const;
export type MissingCode = (typeof MISSING_CODES)[number];

export const MISSING_LABELS: Readonly<Record<MissingCode, string>> = {
  NOT_DONE: 'Not done',
  UNKNOWN: 'Unknown',
  NOT_APPLICABLE: 'Not applicable',
};

export function isMissingCode(value: unknown): value is MissingCode {
  return typeof value === 'string' && (MISSING_CODES as readonly string[]).includes(value);
}
