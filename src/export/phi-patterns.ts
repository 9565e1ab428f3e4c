import { DATE_PATTERNS, findOldAges, isDateMatch } from './phi-dates.js';

/**
 * Pattern detectors for the HIPAA Safe Harbor identifiers that have a shape (164.514(b)(2)(i)):
 * dates (C: all elements of dates but the year, and ages over 89: phi-dates.ts), telephone numbers (D), e-mail addresses (F),
 * medical record numbers (H) and street addresses with city and ZIP (B: geographic subdivisions).
 * Each detector returns spans over the text; free-text-scrubber.ts resolves overlaps and replaces.
 */

export const PHI_KINDS = ['NAME', 'DATE', 'AGE', 'PHONE', 'EMAIL', 'MRN', 'ADDRESS', 'ID'] as const;
export type PhiKind = (typeof PHI_KINDS)[number];

export interface PhiSpan {
  readonly kind: PhiKind;
  readonly start: number;
  readonly end: number;
}

const PHONE_PATTERNS: readonly RegExp[] = [
  // (555) 123-4567, 555-123-4567, 555.123.4567, +1 555 123 4567, 1-555-123-4567, extensions
  /(?<![\d-])(?:\+?1[-.\s]?)?(?:\(\d{3}\)\s?|\d{3}[-.\s])\d{3}[-.\s]\d{4}(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?(?!\d)/gi,
  // +15551234567
  /(?<!\d)\+1\d{10}(?!\d)/g,
  // 5551234567 after a phone cue
  /(?<=\b(?:phone|tel|telephone|cell|mobile|fax|pager|call|ph|number)[:#.]?\s*(?:is|at|no\.?)?\s*)\d{10}(?!\d)/gi,
];

// Bounded repetitions (RFC 5321: local part <= 64, label <= 63): no quadratic scan of a long run of dots.
const EMAIL_PATTERN =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_])?@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?){0,8}\.[A-Za-z]{2,24}/g;

// Medical record / chart / account numbers: the number after its cue (the cue itself stays).
const MRN_PATTERN =
  /(?<=\b(?:MRN|MR|Medical\s+Record(?:\s+Number)?|Med\s+Rec|Record|Chart|Acct|Account|Patient\s+ID|Pt\s+ID|Hospital\s+Number|Hosp\s+No|Unit\s+Number|ID)\s*(?:#|No\.?|Number|num)?\s*(?:[:#=]|is|was)?\s*)(?<![A-Za-z])(?:[A-Z]{1,3}[-\s]?)?\d[\d-]{3,14}\d(?![\d-])/gi;

const SSN_PATTERN = /(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])/g;

// USPS Publication 28 street suffixes (common forms and abbreviations).
const SUFFIX =
  '(?:(?:Street|St|Avenue|Ave|Av|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Place|Pl|Way|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Loop|Alley|Aly|Anex|Arcade|Bayou|Beach|Bend|Bluff|Bottom|Path|Pike|Plaza|Plz|Point|Pt|Ridge|Rdg|Row|Rue|Run|Crossing|Crossroad|Xing|Crescent|Cres|Course|Expressway|Expy|Freeway|Fwy|Turnpike|Tpke|Estate|Heights|Hts|Hill|Hollow|Junction|Jct|Knoll|Land|Landing|Light|Manor|Meadow|Mews|Mill|Motorway|Neck|Orchard|Park|Pass|Passage|Port|Ranch|Route|Rte|Shore|Spring|Spur|Station|Summit|Trace|Track|Valley|Via|View|Villa|Village|Vista|Walk|Wall|Well|Common|Cove|Creek|Crest|Dale|Dam|Extension|Fall|Ferry|Field|Flat|Ford|Forest|Forge|Fork|Fort|Garden|Gateway|Glen|Green|Grove|Harbor|Haven|Island|Isle|Key|Lake|Lodge|Mall|Mission|Mount|Mountain|Oval|Pine|Plain|Prairie|Ramp|River|Skyway|Stravenue|Stream|Tunnel|Union|Ville|Bypass|Burg|Branch|Bridge|Brook|Camp|Canyon|Cape|Causeway|Center|Centre|Cliff|Club|Corner|Curve|Divide|Inlet|Lock|Loaf|Overpass|Radial|Rapid|Rest|Shoal|Throughway|Trafficway|Underpass|Viaduct)s?)';
const STATE =
  '(?:A[LKZR]|C[AOT]|D[EC]|F[LM]|G[AU]|HI|I[DLNA]|K[SY]|LA|M[EDAINSOTPH]|N[EVHJMYCD]|O[HKR]|P[AWR]|RI|S[CD]|T[NX]|UT|V[TAI]|W[AVIY]|Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New\\s+Hampshire|New\\s+Jersey|New\\s+Mexico|New\\s+York|North\\s+Carolina|North\\s+Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode\\s+Island|South\\s+Carolina|South\\s+Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West\\s+Virginia|Wisconsin|Wyoming)';
// A capitalised word of a street or city name; a dot only ends a short abbreviation ("St.", "N.").
const WORD = "(?:[A-Z][A-Za-z'’-]*|[A-Z][a-z]?\\.)";
const ZIP = '\\d{5}(?:-\\d{4})?';
const UNIT = `(?:,?\\s*(?:Apt|Apartment|Suite|Ste|Unit|Bldg|Building|Fl|Floor|Rm|Room|Lot|#)\\.?\\s*#?\\s*[A-Za-z0-9-]+)`;
const CITY_STATE_ZIP = `(?:,?\\s+${WORD}(?:\\s+${WORD}){0,3},?\\s+${STATE}\\b(?:,?\\s+${ZIP})?|,?\\s+${ZIP})`;
const STREET = `(?:\\d{1,6}[A-Z]?(?:-\\d{1,4})?\\s+(?:(?:${WORD}|\\d{1,3}(?:st|nd|rd|th))\\s+){1,4}${SUFFIX}\\b|\\d{1,6}\\s+(?:[NSEW]\\.?\\s+)?Broadway)\\b\\.?(?:\\s+(?:N|S|E|W|NE|NW|SE|SW)\\b\\.?)?`;

const ADDRESS_PATTERNS: readonly RegExp[] = [
  new RegExp(`(?<![\\w/.-])${STREET}${UNIT}?${CITY_STATE_ZIP}?`, 'g'),
  // No suffix, but a house number and a direction ("1355 E Main")
  new RegExp(`(?<![\\w/.-])\\d{1,6}\\s+[NSEW]\\.?\\s+${WORD}(?:\\s+${WORD})?${CITY_STATE_ZIP}`, 'g'),
  new RegExp(`\\bP\\.?\\s?O\\.?\\s+Box\\s+\\d+${CITY_STATE_ZIP}?`, 'gi'),
  // A city, state and ZIP on their own ("Springfield, IL 62704")
  new RegExp(`\\b${WORD}(?:\\s+${WORD}){0,3},\\s+${STATE}\\s+${ZIP}\\b`, 'g'),
  // A ZIP after its cue
  new RegExp(`(?<=\\b(?:zip|ZIP|Zip)(?:\\s+code)?[:#]?\\s*)${ZIP}\\b`, 'g'),
];

function collect(
  text: string,
  kind: PhiKind,
  patterns: readonly RegExp[],
  into: PhiSpan[],
  keep: (value: string) => boolean = () => true,
): void {
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) {
      const value = match[0].replace(/[\s,]+$/, '');
      if (value.length > 0 && keep(value))
        into.push({ kind, start: match.index, end: match.index + value.length });
    }
  }
}

/** Overlapping or touching spans of one kind as one (a street found apart from its city and ZIP). */
function unite(spans: PhiSpan[]): PhiSpan[] {
  const out: PhiSpan[] = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (last !== undefined && span.start <= last.end + 2) {
      out[out.length - 1] = { ...last, end: Math.max(last.end, span.end) };
    } else {
      out.push(span);
    }
  }
  return out;
}

/** Every shaped identifier found in the text, possibly overlapping (the scrubber resolves). */
export function findPatternPhi(text: string, year?: number): PhiSpan[] {
  const spans: PhiSpan[] = [];
  collect(text, 'EMAIL', [EMAIL_PATTERN], spans);
  collect(text, 'MRN', [MRN_PATTERN], spans);
  collect(text, 'ID', [SSN_PATTERN], spans);
  collect(text, 'PHONE', PHONE_PATTERNS, spans);
  collect(text, 'DATE', DATE_PATTERNS, spans, isDateMatch);
  for (const age of findOldAges(text, year)) spans.push({ kind: 'AGE', ...age });
  const addresses: PhiSpan[] = [];
  collect(text, 'ADDRESS', ADDRESS_PATTERNS, addresses);
  return [...spans, ...unite(addresses)];
}
