import { z } from 'zod';
import {
  DATE_TREATMENTS,
  type DateTreatment,
  EXPORT_FORMATS,
  EXPORT_PROFILES,
  type ExportProfile,
} from './export-dataset.js';

/** No control character (C0, DEL, C1) and no lone surrogate (review r16 F7). */
function printableText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0xdc00 && c <= 0xdfff)) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

/** Control characters and lone surrogates are refused in the names that go into files and the audit trail. */
const printable = (max: number) =>
  z.string().trim().min(1).max(max).refine(printableText, {
    message: 'no control characters or lone surrogates',
  });

/** What an export (or its preview) asks for; the profile's rules are the server's, never the request's. */
export const exportRequestSchema = z
  .strictObject({
    profile: z.enum(EXPORT_PROFILES),
    /**
     * De-identified dates: `year` (HIPAA Safe Harbor, the default) or `shift` (keyed per-participant
     * shift, intervals kept: expert determination, 164.514(b)(1)). Only for the de-identified profile.
     */
    dates: z.enum(DATE_TREATMENTS).optional(),
    format: z.enum(EXPORT_FORMATS).default('csv'),
    recipient: printable(200).optional(),
    purpose: printable(500).optional(),
    /** Quasi-identifiers to suppress (what a refused export suggests). */
    suppress: z
      .array(z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/))
      .max(100)
      .optional(),
    /** Only these forms (OIDs) and events (visits); all when absent. */
    forms: z
      .array(z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/))
      .max(100)
      .optional(),
    events: z.array(z.string().min(1).max(64)).max(500).optional(),
    /** The approved dual-control request, for an identified export. */
    request: z.string().min(1).max(64).optional(),
  })
  .refine((r) => r.dates === undefined || r.profile === 'deidentified', {
    message: 'The date treatment (year or shift) is chosen for the de-identified profile only.',
    path: ['dates'],
  })
  .refine((r) => r.request === undefined || r.profile === 'identified', {
    message: 'An approved request is used by an identified export only.',
    path: ['request'],
  });
export type ExportRequest = z.input<typeof exportRequestSchema>;

/** The dates of an export: the de-identified profile's choice (Safe Harbor `year` by default), else real. */
export const datesOf = (r: { profile: ExportProfile; dates?: DateTreatment | undefined }): DateTreatment =>
  r.profile === 'deidentified' ? (r.dates ?? 'year') : 'kept';

/** The forms and events chosen, as sets (absent: all). */
export const chosen = (d: { forms?: string[] | undefined; events?: string[] | undefined }) => ({
  forms: d.forms === undefined ? undefined : new Set(d.forms),
  events: d.events === undefined ? undefined : new Set(d.events),
});
