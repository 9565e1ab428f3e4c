import { splitCodes } from '../core/field-value.js';
import type { FieldDefinition, FormDefinition } from '../forms/form-definition.js';
import { isMissingCode } from '../forms/logic/missing-codes.js';
import type { FieldValue } from '../forms/validate-values.js';
import { shiftDate, yearsBetween } from './date-shift.js';
import type {
  DateTreatment,
  ExportField,
  ExportProfile,
  ExportValue,
  FieldTransform,
} from './export-dataset.js';
import { zip3 } from './zip3.js';

/** What the profile does with the fields of a form: decided on the server, never by the request. */
export interface PlanOptions {
  readonly profile: ExportProfile;
  /** De-identified dates: reduced to the year (Safe Harbor) or shifted (expert determination). */
  readonly dates: DateTreatment;
  /** Allocation fields only for an unblinded recipient and exporter (ICH E9 2.3.1). */
  readonly unblinded: boolean;
  /** Quasi-identifiers the exporter chose to suppress (k-anonymity suggestions). */
  readonly suppress: ReadonlySet<string>;
  /** The free-text scrubber when there is one; without it free text is dropped where it must be scrubbed. */
  readonly scrub?: ((text: string) => string) | undefined;
}

const ZIP_FIELD = /(^|_)(ZIP|POSTCODE|POSTAL)(_|$)/;
const AGE_FIELD = /(^|_)AGE(_|$)/;
const BIRTH_FIELD = /(^|_)(BIRTH|DOB|BRTH)(_|$)/;
/** Safe Harbor 164.514(b)(2)(i)(C): ages over 89 are aggregated into one category, 90 or older. */
export const TOP_AGE = 89;

const YEARS_UNIT = /^(a|y|yr|yrs|year|years|\[?a\]?)$/i;

/**
 * An age field, top-coded at 90+ in de-identified exports (review r16 F6): a numeric field whose OID
 * has AGE as a token (AGE, AGE_YRS), or a numeric quasi-identifier whose OID contains AGE anywhere
 * (AGEDEC, PATIENTAGE), whose unit is years (UCUM 'a', 'yr', 'years') or whose label says age.
 */
export function isAgeField(field: FieldDefinition): boolean {
  if (field.type !== 'integer' && field.type !== 'decimal') return false;
  if (AGE_FIELD.test(field.oid)) return true;
  if (field.class !== 'quasi') return false;
  const unit = field.unit?.trim() ?? '';
  return field.oid.includes('AGE') || YEARS_UNIT.test(unit) || /\bage\b/i.test(field.label);
}

export function isZipField(field: FieldDefinition): boolean {
  return ZIP_FIELD.test(field.oid);
}

export function isBirthField(field: FieldDefinition): boolean {
  return BIRTH_FIELD.test(field.oid) && (field.type === 'date' || field.type === 'datetime');
}

function transformFor(field: FieldDefinition, options: PlanOptions): FieldTransform | null {
  const { profile } = options;
  if (field.class === 'allocation' && !options.unblinded) return null;
  if (profile === 'identified') return 'none';
  // Direct identifiers and financial data never leave in a de-identified or limited data set
  // (164.514(b)(2)(i)(A)-(R); 164.514(e)(2)).
  if (field.class === 'identifier' || field.class === 'financial') return null;
  if (options.suppress.has(field.oid)) return null;
  const dated = field.type === 'date' || field.type === 'datetime';
  if (profile === 'limited') {
    // A limited data set keeps dates and ZIP codes; free text may still name people: scrubbed or dropped.
    if (field.type === 'text' && field.class === 'clinical') return options.scrub ? 'scrubbed' : null;
    return 'none';
  }
  // Safe Harbor removes every element of a date but the year (164.514(b)(2)(i)(C)); a keyed shift is
  // the expert-determination alternative, chosen explicitly. Anything else is treated as `year`.
  if (dated) return options.dates === 'shift' ? 'date-shifted' : 'year';
  if (isZipField(field)) return 'zip3';
  if (isAgeField(field)) return 'age-top-coded';
  // Quasi-identifying text of unknown shape (a town, an occupation) is not released de-identified;
  // clinical free text may name people, dates or places: scrubbed, or dropped without the scrubber.
  if (field.type === 'text' && field.class === 'quasi') return null;
  if (field.type === 'text' && field.class === 'clinical') return options.scrub ? 'scrubbed' : null;
  return 'none';
}

/** A ZIP cut or a top-coded age is text; a year is an integer, but a birth year may be the '90+' category. */
function exportedType(field: FieldDefinition, transform: FieldTransform): FieldDefinition['type'] {
  if (transform === 'zip3' || transform === 'age-top-coded') return 'text';
  if (transform === 'year') return isBirthField(field) ? 'text' : 'integer';
  return field.type;
}

export function planForm(form: FormDefinition, options: PlanOptions): ExportField[] {
  const fields: ExportField[] = [];
  for (const field of form.fields) {
    const transform = transformFor(field, options);
    if (transform === null) continue;
    fields.push({
      oid: field.oid,
      label: field.label,
      type: exportedType(field, transform),
      dataClass: field.class,
      ...(field.unit === undefined ? {} : { unit: field.unit }),
      ...(field.choices === undefined ? {} : { choices: field.choices }),
      transform,
    });
  }
  return fields;
}

/** A participant's context for value transforms. */
export interface SubjectContext {
  readonly shiftDays: number;
  /** The participant's (original) date of birth if one is known, for the 90+ rule on dates. */
  readonly birthDate: string | null;
  /** The export's date ('YYYY-MM-DD'): ages are computed at it. */
  readonly ageAt: string;
}

/** One value through its field's transform; null where it must be suppressed. */
export function transformValue(
  field: ExportField,
  value: FieldValue,
  subject: SubjectContext,
  scrub: ((text: string) => string) | undefined,
): ExportValue {
  if (value === null || value === undefined) return null;
  // A missing-data code says why a value is absent and holds no data of the person: kept as is.
  if (isMissingCode(value)) return value;
  switch (field.transform) {
    case 'none':
      // A code entered while the field was a single choice reads, under multichoice, as a list of it.
      if (field.type === 'multichoice' && typeof value === 'string') return splitCodes(value);
      return value as ExportValue;
    case 'date-shifted': {
      if (typeof value !== 'string') return null;
      // A date of birth that shows an age over 89 is itself an identifier (164.514(b)(2)(i)(C)).
      if (
        BIRTH_FIELD.test(field.oid) &&
        subject.birthDate !== null &&
        over89(subject.birthDate, subject.ageAt)
      )
        return null;
      return shiftDate(value, subject.shiftDays);
    }
    case 'year': {
      const year = typeof value === 'string' ? /^(\d{4})-\d{2}-\d{2}/.exec(value)?.[1] : undefined;
      if (year === undefined) return null;
      if (!BIRTH_FIELD.test(field.oid)) return Number(year);
      // 164.514(b)(2)(i)(C): a birth year that may show an age over 89 (the export's year minus the
      // birth year above 89, whatever the birthday) is aggregated into the one category 90+.
      return Number(subject.ageAt.slice(0, 4)) - Number(year) > TOP_AGE ? '90+' : year;
    }
    case 'zip3':
      return typeof value === 'string' ? zip3(value) : null;
    case 'age-top-coded':
      return typeof value === 'number' ? (value > TOP_AGE ? '90+' : value) : null;
    case 'scrubbed':
      return typeof value === 'string' && scrub !== undefined ? scrub(value) : null;
  }
}

function over89(birthDate: string, at: string): boolean {
  return /^\d{4}-\d{2}-\d{2}/.test(birthDate) && yearsBetween(birthDate, at) > TOP_AGE;
}
