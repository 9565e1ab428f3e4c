import { COMMON_WORDS, EPONYM_HEADS, EPONYMS } from './data/clinical-lexicon.js';
import { AMBIGUOUS_FIRST_NAMES, FIRST_NAMES } from './data/first-names.js';
import type { PhiSpan } from './phi-patterns.js';

/**
 * Names of people in clinical free text (HIPAA 164.514(b)(2)(i)(A)), found without any list of
 * surnames: by cues (titles, relations, "seen by"), by capitalisation (a run of two or more
 * capitalised words none of which is a clinical or English word), by common given names, by the
 * "Last, First" form, and by propagation (a surname found once is scrubbed everywhere in the note).
 * Medical eponyms (Parkinson, Foley, Apgar) are kept unless a person cue says otherwise.
 */

interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly initial: boolean;
}

const TOKEN =
  /(?<![\p{L}\d'’@._-])(?:(?:[A-Z][a-z]*['’])?[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:-(?:[A-Z][a-z]*['’])?[A-Z][a-z]+(?:[A-Z][a-z]+)*)*|[A-Z]\.(?=\s+[A-Z]))(?![\p{L}\d@_]|['’][A-Z])/gu;

// A person cue just before a name: titles and relations always make the next capitalised words a name.
const STRONG_CUE =
  /(?:\b(?:pt\.?|patient|wife|husband|son|daughter|mother|father|mom|dad|spouse|partner|fianc[ée]e?|friend|neighbou?r|caregiver|guardian|aunt|uncle|grandmother|grandfather|grandson|granddaughter|niece|nephew|cousin|boyfriend|girlfriend|sibling|roommate|colleague|coworker|attending|resident|intern|np|pa|rn|surgeon|physician|pcp|cardiologist|oncologist|neurologist|therapist|pharmacist|dietitian|interpreter|name(?:\s+is)?|named|goes\s+by|aka)\b(?:['’]s)?[:,]?\s+(?:(?:is|was)\s+)?)$/i;
const TITLE_CUE =
  /\b(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Doctor|Nurse|Sister|Brother|dr|mr|mrs|ms|doctor|nurse)\.?\s+$/;
const personCue = (before: string) => TITLE_CUE.test(before) || STRONG_CUE.test(before);
// Weaker cues: a name unless an eponym's head noun follows ("replaced with Foley catheter").
const WEAK_CUE =
  /(?:\b(?:with|by|to|from|and|or|per|called|call|contact|contacted|notify|notified|cc|thanks|thank|told|asked|informed|paged|ask\s+for|signed|dictated|attested|reviewed|seen)\b[:,]?\s+)$/i;
const SUFFIX = /^(?:,?\s+(?:Jr|Sr)\.?|\s+(?:II|III|IV)\b)/;
const NEXT_WORD = /^['’]?s?\s+([A-Za-z]+)/;
// Everyday words that are also surnames or given names: part of a name when they touch one.
const NAME_WORDS: ReadonlySet<string> = new Set([
  ...AMBIGUOUS_FIRST_NAMES,
  ...'Ward Baby Rice Lane Street Bishop Baker Hunter Mason Parker Carter Cook Bell Brown Black White Green Young King Hill Wood Stone Long Little Love Day Fox Wolf Page Price Grant Hunt Reed Gray Cole Dean Case Church Park Field Banks Brooks Waters Rivers Woods Summers Winters Knight Major Marshall Sharp Strong Swift Walker West North South East Moody Noble Rich Power Powers Golden Savage Wise Person Mercy Hale Armstrong Day'.split(
    ' ',
  ),
]);

function tokenize(text: string): Token[] {
  return [...text.matchAll(TOKEN)].map((m) => ({
    text: m[0],
    start: m.index,
    end: m.index + m[0].length,
    initial: m[0].length === 2 && m[0].endsWith('.'),
  }));
}

/** Runs of tokens separated by single spaces ("John A. Smith", "Patient Aaliyah Corkery"). */
function runsOf(tokens: readonly Token[], text: string): Token[][] {
  const runs: Token[][] = [];
  let run: Token[] = [];
  for (const token of tokens) {
    const last = run.at(-1);
    if (last !== undefined && text.slice(last.end, token.start) !== ' ') {
      runs.push(run);
      run = [];
    }
    run.push(token);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

const isCommon = (t: Token) => !t.initial && COMMON_WORDS.has(t.text);

function followedByHead(text: string, end: number): boolean {
  const next = NEXT_WORD.exec(text.slice(end, end + 30));
  return next?.[1] !== undefined && EPONYM_HEADS.has(next[1].toLowerCase());
}

function accept(segment: readonly Token[], text: string): boolean {
  const first = segment[0];
  const last = segment.at(-1);
  if (first === undefined || last === undefined || first.initial) return false;
  const before = text.slice(Math.max(0, first.start - 40), first.start);
  if (personCue(before)) return true;
  if (followedByHead(text, last.end)) return false;
  const words = segment.filter((t) => !t.initial);
  if (WEAK_CUE.test(before)) return !words.every((t) => EPONYMS.has(t.text));
  if (words.length >= 2) return !words.every((t) => EPONYMS.has(t.text));
  return FIRST_NAMES.has(first.text) && !AMBIGUOUS_FIRST_NAMES.has(first.text) && !EPONYMS.has(first.text);
}

/** Splits a run at its common words; an ambiguous given name ("Will", "May") joins the name after it. */
function segmentsOf(run: readonly Token[], text: string): Token[][] {
  const segments: Token[][] = [];
  let segment: Token[] = [];
  run.forEach((token, i) => {
    const next = run[i + 1];
    const prev = run[i - 1];
    const joinsNext =
      NAME_WORDS.has(token.text) && next !== undefined && !isCommon(next) && !EPONYMS.has(next.text);
    const joinsPrev =
      NAME_WORDS.has(token.text) && prev !== undefined && segment.length > 0 && !isCommon(prev);
    const before = text.slice(Math.max(0, token.start - 40), token.start);
    const titled = TITLE_CUE.test(before) || (NAME_WORDS.has(token.text) && STRONG_CUE.test(before));
    if (isCommon(token) && !joinsNext && !joinsPrev && !titled) {
      if (segment.length > 0) segments.push(segment);
      segment = [];
    } else {
      segment.push(token);
    }
  });
  if (segment.length > 0) segments.push(segment);
  // An initial cannot end a name.
  return segments.map((s) => (s.at(-1)?.initial === true ? s.slice(0, -1) : s)).filter((s) => s.length > 0);
}

function spanOf(segment: readonly Token[], text: string): PhiSpan {
  const first = segment[0] as Token;
  const last = segment.at(-1) as Token;
  const suffix = SUFFIX.exec(text.slice(last.end, last.end + 6));
  return { kind: 'NAME', start: first.start, end: last.end + (suffix?.[0].length ?? 0) };
}

const LIST_START = /(?:^|[.:;!?]\s+|\n\s*)$/;

/**
 * "Smith, John A." - a capitalised word, a comma and a given name: a common given name anywhere, any
 * capitalised word at the start of a sentence or heading ("Corkery, Kaelyn is a 54 yo male").
 */
function lastFirst(tokens: readonly Token[], text: string): PhiSpan[] {
  const spans: PhiSpan[] = [];
  tokens.forEach((token, i) => {
    const next = tokens[i + 1];
    if (next === undefined || next.initial || text.slice(token.end, next.start) !== ', ') return;
    if (isCommon(token) || isCommon(next) || followedByHead(text, next.end)) return;
    const before = text.slice(Math.max(0, token.start - 40), token.start);
    const known = FIRST_NAMES.has(next.text) && !AMBIGUOUS_FIRST_NAMES.has(next.text);
    if (!known && !LIST_START.test(before) && !personCue(before)) return;
    if (!known && /^,\s+[A-Z]/.test(text.slice(next.end, next.end + 3))) return; // a list, not a name
    const initial = tokens[i + 2];
    const withInitial = initial?.initial === true && initial.start === next.end + 1;
    spans.push({ kind: 'NAME', start: token.start, end: withInitial ? initial.end : next.end });
  });
  return spans;
}

export function findNames(text: string): PhiSpan[] {
  const tokens = tokenize(text);
  const spans: PhiSpan[] = lastFirst(tokens, text);
  for (const run of runsOf(tokens, text)) {
    for (const segment of segmentsOf(run, text)) {
      if (accept(segment, text)) spans.push(spanOf(segment, text));
    }
  }
  // Propagation: a name token found once is a name wherever it recurs in the note. Tokens and spans
  // are both in text order: one sweep, linear in the note.
  const found = new Set<string>();
  const bySpanStart = [...spans].sort((a, b) => a.start - b.start);
  let t = 0;
  for (const span of bySpanStart) {
    while (t < tokens.length && (tokens[t] as Token).start < span.start) t++;
    for (let i = t; i < tokens.length && (tokens[i] as Token).end <= span.end; i++) {
      const token = tokens[i] as Token;
      if (!token.initial && !isCommon(token)) found.add(token.text);
    }
  }
  for (const t of tokens) {
    if (found.has(t.text) && !followedByHead(text, t.end))
      spans.push({ kind: 'NAME', start: t.start, end: t.end });
  }
  return spans;
}
