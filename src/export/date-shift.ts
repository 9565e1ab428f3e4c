import { keyed } from './keyed.js';

/**
 * Per-participant date shifting for de-identified exports made with `dates: shift`. Every date of one
 * participant moves by the same number of days, so intervals are kept; the shift is keyed, never
 * derivable without the study's export key. This is NOT Safe Harbor (164.514(b)(2)(i)(C) removes
 * every element of a date but the year: that is `dates: year`, field-plan.ts); shifted dates are
 * de-identified only under an expert determination (164.514(b)(1)), and are labelled so.
 *
 * The offset is a multiple of 7 days (the weekday is kept, so all candidates are equally faithful),
 * chosen among MIN_WEEKS..MIN_WEEKS+CHOICES-1 weeks, backwards or forwards: the base choice is keyed
 * on the participant alone, and each recipient gets a keyed, different choice among the equivalent
 * offsets: a per-recipient fingerprint that survives reformatting (export identify).
 */
const MIN_WEEKS = 5;
const CHOICES = 48;
const DAY_MS = 86_400_000;

/** The participant's shift in days for one recipient: never 0, at least 35 days, at most ~1 year. */
export function shiftDays(key: Uint8Array, participantId: string, recipient: string): number {
  const base = keyed(key, 'date-shift', participantId);
  const pick = keyed(key, 'date-shift-choice', participantId, recipient.trim().toLowerCase());
  const sign = ((base[0] as number) & 1) === 0 ? -1 : 1;
  const weeks = MIN_WEEKS + (((base.readUInt16BE(1) + pick.readUInt16BE(0)) >>> 0) % CHOICES);
  return sign * weeks * 7;
}

/** Shifts a 'YYYY-MM-DD' date or an ISO datetime by whole days; null for anything else (suppressed). */
export function shiftDate(value: string, days: number): string | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const t = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(t)) return null;
    return new Date(t + days * DAY_MS).toISOString().slice(0, 10);
  }
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return null;
  return new Date(t + days * DAY_MS).toISOString();
}

/** Whole years between two 'YYYY-MM-DD' dates (age at `at` of someone born on `birth`). */
export function yearsBetween(birth: string, at: string): number {
  const [by, bm, bd] = birth.slice(0, 10).split('-').map(Number) as [number, number, number];
  const [ay, am, ad] = at.slice(0, 10).split('-').map(Number) as [number, number, number];
  return ay - by - (am < bm || (am === bm && ad < bd) ? 1 : 0);
}
