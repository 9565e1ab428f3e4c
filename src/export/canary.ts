import { DemoRandom, syntheticPerson } from '../demo/synthetic.js';
import type { ExportField, ExportForm, ExportProfile, ExportRow, ExportValue } from './export-dataset.js';
import { keyed } from './keyed.js';
import { pseudonym } from './pseudonym.js';

/**
 * Canary rows: synthetic participants, keyed per export, placed among the real ones so that a leaked
 * file, reformatted or cut to a fragment, names its export (issue #16, traceability). A canary copies
 * the shape of a neighbouring participant with keyed changes: other dates, jittered measurements,
 * made-up identifiers; it is never a real person. Pseudonymised exports carry about 1 in 20;
 * identified exports (real subject ids, not per export) about 1 in 8.
 */
export function canaryRate(profile: ExportProfile): number {
  return profile === 'identified' ? 32 : 13;
}

/** Whether a canary follows this participant (a keyed slot, so positions look random). */
export function canaryAfter(secret: Uint8Array, participantId: string, profile: ExportProfile): boolean {
  return (keyed(secret, 'canary-slot', participantId)[0] as number) < canaryRate(profile);
}

/** The subject id of the n-th canary: a pseudonym, or an id shaped like the site's own. */
export function canarySubject(
  secret: Uint8Array,
  n: number,
  profile: ExportProfile,
  site: string | null,
): string {
  if (profile !== 'identified') return pseudonym(secret, `canary:${n}`);
  const number = 5000 + (keyed(secret, 'canary-subject', String(n)).readUInt16BE(0) % 4000);
  return `${site ?? 'S00'}-${String(number)}`;
}

const DAY_MS = 86_400_000;

function moved(value: string, days: number): string | null {
  const t = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(t)) return null;
  const iso = new Date(t + days * DAY_MS).toISOString();
  return value.length === 10 ? iso.slice(0, 10) : iso;
}

function syntheticText(field: ExportField, random: DemoRandom, n: number): string {
  const person = syntheticPerson(random, 900 + n);
  if (/NAME|HOLDER/.test(field.oid)) return person.fullName;
  if (/MRN/.test(field.oid)) return person.mrn;
  if (/MAIL/.test(field.oid)) return person.email;
  if (/PHONE/.test(field.oid)) return person.phone;
  if (/ADDR/.test(field.oid)) return person.address;
  if (/IBAN|ACCOUNT/.test(field.oid)) return person.iban;
  if (/ZIP/.test(field.oid)) return person.zip;
  return person.fullName.split(' ')[0] ?? 'Alan';
}

function canaryValue(field: ExportField, value: ExportValue, random: DemoRandom, days: number, n: number) {
  if (value === null) return null;
  // A year (or the 90+ category) is copied: jittering it would only make the canary stand out.
  if (field.transform === 'year') return value;
  if ((field.type === 'date' || field.type === 'datetime') && typeof value === 'string')
    return moved(value, days);
  if (field.type === 'integer' && typeof value === 'number') return value + random.int(-2, 2);
  if (field.type === 'decimal' && typeof value === 'number')
    return Math.round(value * (1 + (random.next() - 0.5) * 0.06) * 100) / 100;
  if (field.type === 'text' && (field.dataClass === 'identifier' || field.dataClass === 'financial'))
    return syntheticText(field, random, n);
  if (field.type === 'choice' && field.choices !== undefined && random.next() < 0.3)
    return random.pick(field.choices).code;
  return value;
}

/** The n-th canary, shaped like the given participant's exported rows. */
export function canaryRows(
  secret: Uint8Array,
  n: number,
  profile: ExportProfile,
  rows: readonly ExportRow[],
  forms: ReadonlyMap<string, ExportForm>,
): ExportRow[] {
  const mac = keyed(secret, 'canary', String(n));
  const random = new DemoRandom(mac.readUInt32BE(0));
  const days = (mac[4] === undefined || mac[4] < 128 ? -7 : 7) * (2 + (mac.readUInt16BE(5) % 30));
  const subject = canarySubject(secret, n, profile, rows[0]?.site ?? null);
  return rows.map((row) => {
    const form = forms.get(row.form);
    const values: Record<string, ExportValue> = {};
    for (const field of form?.fields ?? []) {
      const value = row.values[field.oid];
      if (value !== undefined) values[field.oid] = canaryValue(field, value, random, days, n);
    }
    return { ...row, subject, values };
  });
}
