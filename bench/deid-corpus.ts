import { base, en, en_US, Faker } from '@faker-js/faker';
import type { PhiSpan } from '../src/export/free-text-scrubber.js';

/**
 * Synthetic clinical notes with their PHI annotated, for the free-text scrubber (issue 16): values
 * come from @faker-js/faker (names, streets, cities, phones, e-mails) and from formatters here
 * (dates in many formats, MRNs). Sentence templates live apart: the dev set beside the scrubber's
 * tests, the held-out set in bench/deid.ts (never used while developing), each with its own seed.
 */

export const SCORED_KINDS = ['NAME', 'DATE', 'PHONE', 'EMAIL', 'MRN', 'ADDRESS'] as const;
export type ScoredKind = (typeof SCORED_KINDS)[number];

/** A piece of a note: plain text, or a PHI value of a kind. */
export type Part = string | readonly [ScoredKind, string];
export type Template = (g: NoteValues) => readonly Part[];

export interface Note {
  readonly text: string;
  readonly gold: readonly { kind: ScoredKind; start: number; end: number }[];
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const pad = (n: number) => String(n).padStart(2, '0');
const ordinal = (d: number) =>
  `${d}${d % 10 === 1 && d !== 11 ? 'st' : d % 10 === 2 && d !== 12 ? 'nd' : d % 10 === 3 && d !== 13 ? 'rd' : 'th'}`;

/** PHI values drawn from one seeded faker. */
export class NoteValues {
  readonly faker: Faker;
  constructor(seed: number) {
    this.faker = new Faker({ locale: [en_US, en, base] });
    this.faker.seed(seed);
  }
  pick<T>(items: readonly T[]): T {
    return this.faker.helpers.arrayElement(items);
  }
  first(): string {
    return this.faker.person.firstName();
  }
  last(): string {
    return this.faker.person.lastName();
  }
  /** A full name: first last, sometimes with a middle initial. */
  full(): string {
    const middle = this.faker.datatype.boolean(0.2)
      ? ` ${this.faker.string.alpha({ casing: 'upper' })}.`
      : '';
    return `${this.first()}${middle} ${this.last()}`;
  }
  date(): string {
    const d = this.faker.date.between({ from: '1990-01-01', to: '2030-12-31' });
    const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    const month = MONTHS[m - 1] as string;
    const formats = [
      `${pad(m)}/${pad(day)}/${y}`,
      `${m}/${day}/${y}`,
      `${m}/${day}/${String(y).slice(2)}`,
      `${y}-${pad(m)}-${pad(day)}`,
      `${month} ${day}, ${y}`,
      `${month.slice(0, 3)} ${day}, ${y}`,
      `${month.slice(0, 3)}. ${day}, ${y}`,
      `${day} ${month} ${y}`,
      `${pad(day)}-${month.slice(0, 3)}-${y}`,
      `${ordinal(day)} of ${month}`,
      `${month} ${ordinal(day)}`,
      `${month} ${y}`,
      `${pad(m)}-${pad(day)}-${y}`,
      `${y}/${pad(m)}/${pad(day)}`,
      `${pad(day)}.${pad(m)}.${y}`,
    ];
    return this.pick(formats);
  }
  phone(): string {
    return this.faker.phone.number({
      style: this.pick(['human', 'human', 'national', 'international'] as const),
    });
  }
  email(): string {
    return this.faker.internet.email().toLowerCase();
  }
  mrn(): string {
    const digits = this.faker.string.numeric({
      length: this.faker.number.int({ min: 6, max: 10 }),
      allowLeadingZeros: true,
    });
    return this.pick([
      digits,
      digits,
      `${digits.slice(0, 2)}-${digits.slice(2)}`,
      `${this.faker.string.alpha({ length: 1, casing: 'upper' })}${digits}`,
    ]);
  }
  street(): string {
    return this.faker.location.streetAddress(this.faker.datatype.boolean(0.3));
  }
  address(): string {
    const street = this.street();
    const city = this.faker.location.city();
    const state = this.faker.location.state({ abbreviated: this.faker.datatype.boolean(0.8) });
    const zip = this.faker.location.zipCode(this.pick(['#####', '#####-####']));
    return this.pick([
      street,
      `${street}, ${city}, ${state} ${zip}`,
      `${street}, ${city}, ${state}`,
      `${street} ${city}, ${state} ${zip}`,
    ]);
  }
}

/** Joins the parts into a note, recording where each PHI value landed. */
export function compose(parts: readonly Part[]): Note {
  let text = '';
  const gold: { kind: ScoredKind; start: number; end: number }[] = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      text += part;
    } else {
      gold.push({ kind: part[0], start: text.length, end: text.length + part[1].length });
      text += part[1];
    }
  }
  return { text, gold };
}

/** A corpus of notes, each of 2-5 sentences from the templates, until every kind has `mentions`. */
export function corpus(seed: number, templates: readonly Template[], mentions: number): Note[] {
  const g = new NoteValues(seed);
  const counts = new Map<ScoredKind, number>(SCORED_KINDS.map((k) => [k, 0]));
  const notes: Note[] = [];
  while ([...counts.values()].some((c) => c < mentions)) {
    const parts: Part[] = [];
    const sentences = g.faker.number.int({ min: 2, max: 5 });
    for (let i = 0; i < sentences; i++) parts.push(...g.pick(templates)(g), ' ');
    const note = compose(parts);
    for (const m of note.gold) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
    notes.push(note);
  }
  return notes;
}

export interface KindScore {
  mentions: number;
  found: number;
  detections: number;
  correct: number;
  recall: number;
  precision: number;
}

const alnum = /[\p{L}\p{N}]/u;
const round = (x: number) => Number(x.toFixed(4));

/**
 * Recall: a mention counts as found when every letter and digit of it is inside a detection of
 * its kind. Precision: a detection counts as correct when it overlaps a mention of its kind.
 */
export function score(notes: readonly Note[], find: (text: string) => readonly PhiSpan[]) {
  const tally = new Map<ScoredKind, { mentions: number; found: number; detections: number; correct: number }>(
    SCORED_KINDS.map((k) => [k, { mentions: 0, found: 0, detections: 0, correct: 0 }]),
  );
  const misses: string[] = [];
  const falsePositives: string[] = [];
  for (const note of notes) {
    const spans = find(note.text);
    for (const m of note.gold) {
      const t = tally.get(m.kind);
      if (t === undefined) continue;
      t.mentions++;
      let covered = true;
      for (let i = m.start; i < m.end; i++) {
        if (!alnum.test(note.text[i] ?? '')) continue;
        if (!spans.some((s) => s.kind === m.kind && s.start <= i && i < s.end)) covered = false;
      }
      if (covered) t.found++;
      else
        misses.push(
          `${m.kind}: ${note.text.slice(m.start, m.end)} | ${note.text.slice(Math.max(0, m.start - 30), m.end + 30)}`,
        );
    }
    for (const s of spans) {
      const t = tally.get(s.kind as ScoredKind);
      if (t === undefined) continue;
      t.detections++;
      if (note.gold.some((m) => m.kind === s.kind && s.start < m.end && m.start < s.end)) t.correct++;
      else
        falsePositives.push(
          `${s.kind}: ${note.text.slice(s.start, s.end)} | ${note.text.slice(Math.max(0, s.start - 30), s.end + 30)}`,
        );
    }
  }
  const byKind: Record<string, KindScore> = {};
  let [mentions, found, detections, correct] = [0, 0, 0, 0];
  for (const [kind, t] of tally) {
    byKind[kind] = {
      ...t,
      recall: round(t.found / t.mentions),
      precision: round(t.correct / Math.max(1, t.detections)),
    };
    [mentions, found, detections, correct] = [
      mentions + t.mentions,
      found + t.found,
      detections + t.detections,
      correct + t.correct,
    ];
  }
  const overall = {
    mentions,
    found,
    detections,
    correct,
    recall: round(found / mentions),
    precision: round(correct / Math.max(1, detections)),
  };
  return { byKind: byKind as Record<ScoredKind, KindScore>, overall, misses, falsePositives };
}
