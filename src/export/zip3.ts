/**
 * HIPAA Safe Harbor 164.514(b)(2)(i)(B): the initial three digits of a ZIP code may be kept only where
 * the area they form holds more than 20,000 people; otherwise they become 000. The restricted 3-digit
 * areas below are the list HHS publishes from the 2000 Census (OCR de-identification guidance, 2012).
 */
export const RESTRICTED_ZIP3: ReadonlySet<string> = new Set([
  '036',
  '059',
  '063',
  '102',
  '203',
  '556',
  '692',
  '790',
  '821',
  '823',
  '830',
  '831',
  '878',
  '879',
  '884',
  '890',
  '893',
]);

/** The 3-digit ZIP (or 000); null for a value that is not a US ZIP (it is suppressed, not guessed). */
export function zip3(value: string): string | null {
  const match = /^\s*(\d{3})\d{2}(?:-?\d{4})?\s*$/.exec(value);
  if (match === null) return null;
  const area = match[1] as string;
  return RESTRICTED_ZIP3.has(area) ? '000' : area;
}
