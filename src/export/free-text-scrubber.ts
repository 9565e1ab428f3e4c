import { findNames } from './name-detector.js';
import { findPatternPhi, type PhiKind, type PhiSpan } from './phi-patterns.js';

/**
 * The free-text scrubber of the de-identified profile (HIPAA Safe Harbor, 164.514(b)(2)(i)): every
 * name, date (but the year), age over 89, telephone number, e-mail address, medical record number and street
 * address found in a clinical text field is replaced by a typed placeholder ([NAME], [DATE]...), so
 * the statistician still reads "[NAME] seen on [DATE] for Parkinson disease". Pure: no network, no
 * state, the same output for the same input. Method and measured recall/precision: docs/export-formats.md
 * and `npm run bench -- deid`.
 */

export type { PhiKind, PhiSpan } from './phi-patterns.js';

// When two detections overlap, the longer wins; on a tie the more specific kind does.
const PRIORITY: Record<PhiKind, number> = {
  EMAIL: 0,
  MRN: 1,
  ID: 2,
  PHONE: 3,
  DATE: 4,
  AGE: 5,
  ADDRESS: 6,
  NAME: 7,
};

export interface ScrubOptions {
  /** The export's year: a birth year at least 90 years before it shows an age over 89 ("born 1931"). */
  readonly year?: number | undefined;
}

/** Non-overlapping PHI spans of the text, in order. */
export function findPhi(text: string, options: ScrubOptions = {}): PhiSpan[] {
  const candidates = [...findPatternPhi(text, options.year), ...findNames(text)].filter(
    (s) => s.end > s.start,
  );
  candidates.sort((a, b) => b.end - b.start - (a.end - a.start) || PRIORITY[a.kind] - PRIORITY[b.kind]);
  const kept: PhiSpan[] = [];
  const taken = new Uint8Array(text.length); // linear in the text, whatever the number of spans
  for (const span of candidates) {
    if (taken.subarray(span.start, span.end).includes(1)) continue;
    taken.fill(1, span.start, span.end);
    kept.push(span);
  }
  kept.sort((a, b) => a.start - b.start);
  // Adjacent names ("John" found alone, "Smith" by propagation) read as one placeholder.
  const merged: PhiSpan[] = [];
  for (const span of kept) {
    const last = merged.at(-1);
    if (last?.kind === 'NAME' && span.kind === 'NAME' && /^\s*$/.test(text.slice(last.end, span.start))) {
      merged[merged.length - 1] = { kind: 'NAME', start: last.start, end: span.end };
    } else {
      merged.push(span);
    }
  }
  return merged;
}

/**
 * The text with every PHI span replaced by its placeholder, e.g. "Pt [NAME] seen on [DATE]", "[AGE]
 * year old". NFKC first, so full-width digits and compatibility forms are matched (and leave as ASCII).
 */
export function scrubFreeText(input: string, options: ScrubOptions = {}): string {
  const text = input.normalize('NFKC');
  let out = '';
  let at = 0;
  for (const span of findPhi(text, options)) {
    out += `${text.slice(at, span.start)}[${span.kind}]`;
    at = span.end;
  }
  return out + text.slice(at);
}
