/**
 * Date and age detectors of the free-text scrubber (HIPAA Safe Harbor 164.514(b)(2)(i)(C): all
 * elements of dates but the year, and all ages over 89 with the dates and years that show them).
 * Shapes: ISO and numeric dates, ISO basic 20240314, SAS DATE9 14MAR2024, English month names in
 * any case, Spanish/French/German month names, a weekday with its day ("Thursday 14th"), and day and
 * month without a year (3/14, 14/3) when one part cannot be a month or a date cue precedes. Blood
 * pressures and scores (120/80, 7/10, 5/5) are not dates: a partial date needs day <= 31, month <= 12
 * and, without a cue, a part above 12. The text is NFKC-normalised by the scrubber first.
 */

const MONTH_NAME =
  '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)';
const MONTH = `${MONTH_NAME}\\.?`;
const FOREIGN_MONTH =
  '(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|sep?tiembre|octubre|noviembre|diciembre|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre|januar|j[äa]nner|februar|m[äa]rz|maerz|juni|juli|oktober|dezember)';
const WEEKDAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const WEEKDAY_ABBR = '(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\\.?';
const ORDINAL = '(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)';
const DAY = '(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)?';
const YEAR = '(?:\\d{4}|\\d{2})';
const TIME = '(?:[T ](?:[01]?\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d)?(?:\\.\\d+)?(?:Z|[+-]\\d{2}:?\\d{2})?)?';
const CUE = '(?:on|since|from|until|till|by|dated|of|thru|through|before|after|seen)';

export const DATE_PATTERNS: readonly RegExp[] = [
  // 2024-03-14, 2024/03/14, 2024.03.14 (with an optional time)
  new RegExp(`(?<![\\d.])\\d{4}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\\d|3[01])${TIME}(?![\\d])`, 'g'),
  // 20240314 (ISO 8601 basic), years 1800-2099
  /(?<![\d.])(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?![\d.])/g,
  // 03/14/2024, 3-14-24, 14.03.2024
  new RegExp(`(?<![\\d/.-])\\d{1,2}[-/.]\\d{1,2}[-/.]${YEAR}(?![\\d/-])`, 'g'),
  // 14MAR2024, 14Mar24 (SAS DATE9 / DATE7)
  new RegExp(
    `\\b(?:[12]\\d|3[01]|0?[1-9])(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)${YEAR}\\b`,
    'gi',
  ),
  // March 14, 2024 / Mar. 14th / march 14 2024 / MARCH 14
  new RegExp(`\\b${MONTH}\\s+${DAY}(?:,?\\s+\\d{4})?(?![\\d:])`, 'gi'),
  // 14 March 2024 / 14th of March / 14-Mar-2024 / 14 MARCH 2024
  new RegExp(`\\b${DAY}(?:\\s+of)?[\\s-]+${MONTH}(?:,?[\\s-]+${YEAR})?\\b`, 'gi'),
  // March 2024 (the month is a date element; the year alone is not)
  new RegExp(`\\b${MONTH},?\\s+\\d{4}\\b`, 'gi'),
  // 14 de marzo de 2024, le 14 mars 2024, 14. März 2024
  new RegExp(`\\b${DAY}\\.?(?:\\s+de)?\\s+${FOREIGN_MONTH}(?:(?:\\s+de)?\\s+\\d{4})?(?![\\p{L}])`, 'giu'),
  // Thursday 14th, Thursday, 14, Thu the 14th (an abbreviated weekday only with an ordinal)
  new RegExp(`\\b${WEEKDAY},?\\s+(?:the\\s+)?${DAY}\\b`, 'gi'),
  new RegExp(`\\b${WEEKDAY_ABBR},?\\s+(?:the\\s+)?${ORDINAL}\\b`, 'gi'),
  // "on the 14th", "since the 3rd"
  new RegExp(`(?<=\\b${CUE}\\s+the\\s+)${ORDINAL}\\b`, 'gi'),
  // "on 3/14", "since 11/2" - a day and month with no year after a date cue
  new RegExp(`(?<=\\b${CUE}\\s+)(?:0?[1-9]|1[0-2])\\/(?:0?[1-9]|[12]\\d|3[01])(?![\\d/])`, 'gi'),
  // 3/14 (m/d) or 14/3 (d/m) anywhere: one part above 12, so not a score such as 7/10 or 5/5
  /(?<![\d/.,-])(?:(?:0?[1-9]|1[0-2])\/(?:1[3-9]|2\d|3[01])|(?:1[3-9]|2\d|3[01])\/(?:0?[1-9]|1[0-2]))(?![\d/])/g,
];

/** A lower-case "may" with no year is the verb ("may 2 days"), not the month. */
export function isDateMatch(value: string): boolean {
  return !/(?:^|[\s-])may\b/.test(value) || /\d{4}/.test(value);
}

const OLD = '(?:9\\d|1[01]\\d)';
/** Ages over 89 ("94 year old", "aged 94", "94yo"): the number only, the words stay. */
const AGE_PATTERNS: readonly RegExp[] = [
  new RegExp(`(?<![\\d.,])${OLD}(?=[- ]?(?:years?|yrs?|y/o|yo|y\\.o\\.)(?![a-z]))`, 'gi'),
  new RegExp(`(?<=\\b(?:aged?|age\\s+of|age\\s+is)\\s*[:=]?\\s*)${OLD}(?![\\d.,])`, 'gi'),
];

const BIRTH_YEAR =
  /(?<=\b(?:born(?:\s+in)?|b\.|DOB|YOB|birth\s+year|year\s+of\s+birth)\s*[:=]?\s*)(?:18|19|20)\d{2}(?!\d)/gi;

/** Spans of ages over 89, and of birth years that show one in `year` (the export's year). */
export function findOldAges(text: string, year: number | undefined): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (const pattern of AGE_PATTERNS) {
    for (const m of text.matchAll(pattern)) spans.push({ start: m.index, end: m.index + m[0].length });
  }
  if (year !== undefined) {
    for (const m of text.matchAll(BIRTH_YEAR)) {
      if (Number(m[0]) <= year - 90) spans.push({ start: m.index, end: m.index + m[0].length });
    }
  }
  return spans;
}
