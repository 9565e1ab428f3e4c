import { findNames } from './name-detector.js';
import { findPatternPhi, type PhiKind, type PhiSpan } from './phi-patterns.js';

/**
 * The free-text scrubber of the de-identified profile (HIPAA Safe Harbor, 164.514(b)(2)(i)): every
 * name, date (but the year), telephone number, e-mail address, medical record number and street
 * address found in a clinical text field is replaced by a typed placeholder ([NAME], [DATE]...), so
 * the statistician still reads "[NAME] seen on [DATE] for Parkinson disease". Pure: no network, no
 * state, the same output for the same input. Method and measured recall/precision: docs/export-formats.md
 * and `npm run bench -- deid`.
 */

export type { PhiKind, PhiSpan } from './phi-patterns.js';

// When two detections overlap, the longer wins; on a tie the more specific kind does.
const PRIORITY: Record<PhiKind, number> = { EMAIL: 0, MRN: 1, ID: 2, PHONE: 3, DATE: 4, ADDRESS: 5, NAME: 6 };

/** Non-overlapping PHI spans of the text, in order. */
export function findPhi(text: string): PhiSpan[] {
  const candidates = [...findPatternPhi(text), ...findNames(text)].filter((s) => s.end > s.start);
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

/** The text with every PHI span replaced by its placeholder, e.g. "Pt [NAME] seen on [DATE]". */
export function scrubFreeText(text: string): string {
  let out = '';
  let at = 0;
  for (const span of findPhi(text)) {
    out += `${text.slice(at, span.start)}[${span.kind}]`;
    at = span.end;
  }
  return out + text.slice(at);
}
