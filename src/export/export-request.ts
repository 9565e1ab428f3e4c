import { z } from 'zod';
import { EXPORT_FORMATS, EXPORT_PROFILES } from './export-dataset.js';

/** What an export (or its preview) asks for; the profile's rules are the server's, never the request's. */
export const exportRequestSchema = z.strictObject({
  profile: z.enum(EXPORT_PROFILES),
  format: z.enum(EXPORT_FORMATS).default('csv'),
  recipient: z.string().trim().min(1).max(200).optional(),
  purpose: z.string().trim().min(1).max(500).optional(),
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
});
export type ExportRequest = z.input<typeof exportRequestSchema>;

/** The forms and events chosen, as sets (absent: all). */
export const chosen = (d: { forms?: string[] | undefined; events?: string[] | undefined }) => ({
  forms: d.forms === undefined ? undefined : new Set(d.forms),
  events: d.events === undefined ? undefined : new Set(d.events),
});
