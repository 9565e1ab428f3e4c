import { appError } from '../core/errors.js';
import { CODE_SEPARATOR, canonicalCodes, type FieldValue, type FieldValues } from '../core/field-value.js';
import { err, ok, type Result } from '../core/result.js';
import { enforceLogic } from './enforce-logic.js';
import { DEFAULT_MAX_TEXT, type FieldDefinition, type FormDefinition } from './form-definition.js';
import { isMissingCode } from './logic/missing-codes.js';

export type { FieldValue, FieldValues } from '../core/field-value.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const patternCache = new Map<string, RegExp>();
/** A multichoice list is at most as long as a choice list may be. */
const MAX_CODES = 500;

function isValidDate(text: string): boolean {
  const match = DATE.exec(text);
  if (match === null) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function compiled(pattern: string): RegExp {
  let regex = patternCache.get(pattern);
  if (regex === undefined) {
    // Anchored: the whole value must match, not a part of it.
    regex = new RegExp(`^(?:${pattern})$`, 'u');
    patternCache.set(pattern, regex);
  }
  return regex;
}

/**
 * Checks one value and returns it in canonical form, or a message. Messages describe the rule, never
 * the value, because the value may be protected (ASVS 16.2.5).
 */
export function checkValue(
  field: FieldDefinition,
  raw: unknown,
): { value: FieldValue } | { message: string } {
  // A missing-data code stands in for a value of any type (docs/logic.md#missing-data).
  if (isMissingCode(raw)) return { value: raw };
  switch (field.type) {
    case 'text': {
      if (typeof raw !== 'string') return { message: 'must be text' };
      const text = raw.normalize('NFC');
      if (text.length > (field.maxLength ?? DEFAULT_MAX_TEXT)) {
        return { message: `must be at most ${field.maxLength ?? DEFAULT_MAX_TEXT} characters` };
      }
      if (field.pattern !== undefined && !compiled(field.pattern).test(text)) {
        return { message: 'does not have the required format' };
      }
      return { value: text };
    }
    case 'integer':
    case 'decimal': {
      const number = typeof raw === 'string' && raw.trim() !== '' ? Number(raw.trim()) : raw;
      if (typeof number !== 'number' || !Number.isFinite(number)) return { message: 'must be a number' };
      if (field.type === 'integer' && !Number.isSafeInteger(number))
        return { message: 'must be a whole number' };
      if (field.min !== undefined && number < field.min) return { message: `must be at least ${field.min}` };
      if (field.max !== undefined && number > field.max) return { message: `must be at most ${field.max}` };
      return { value: number };
    }
    case 'date':
      return typeof raw === 'string' && isValidDate(raw)
        ? { value: raw }
        : { message: 'must be a date as YYYY-MM-DD' };
    case 'datetime':
      return typeof raw === 'string' && DATETIME.test(raw) && !Number.isNaN(Date.parse(raw))
        ? { value: raw }
        : { message: 'must be a date and time as ISO 8601 with a time zone' };
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === '1' || raw === 'yes') return { value: true };
      if (raw === 'false' || raw === '0' || raw === 'no') return { value: false };
      return { message: 'must be true or false' };
    }
    case 'choice': {
      const code = typeof raw === 'number' ? String(raw) : raw;
      if (typeof code !== 'string' || !(field.choices ?? []).some((c) => c.code === code)) {
        return { message: 'must be one of the listed choices' };
      }
      return { value: code };
    }
    case 'multichoice':
      return checkCodes(field, raw);
  }
}

/**
 * A multichoice value: a list of distinct declared codes, at least one (an empty list is blank, see
 * isMissing), answered in canonical (sorted) order so equal sets are equal values everywhere.
 */
function checkCodes(field: FieldDefinition, raw: unknown): { value: FieldValue } | { message: string } {
  // Text is the codes joined by "," (as CSV files hold them); a single code, as a `choice` stores it,
  // is the list of that code, so a field turned from choice into multichoice keeps its answers.
  const list: unknown = typeof raw === 'string' ? raw.split(CODE_SEPARATOR) : raw;
  if (!Array.isArray(list) || list.length > MAX_CODES)
    return { message: 'must be a list of the listed choices' };
  const declared = new Set((field.choices ?? []).map((c) => c.code));
  const codes = list.map((c: unknown) => (typeof c === 'number' ? String(c) : c));
  if (!codes.every((c): c is string => typeof c === 'string' && declared.has(c)))
    return { message: 'must be a list of the listed choices' };
  if (new Set(codes).size !== codes.length) return { message: 'must not list a choice twice' };
  return { value: canonicalCodes(codes) };
}

export function isMissing(raw: unknown): boolean {
  return raw === undefined || raw === null || raw === '' || (Array.isArray(raw) && raw.length === 0);
}

/**
 * Validates a complete set of values against a form version: unknown fields, required fields and
 * every field's rules, then the form's logic (docs/logic.md): the server computes calculated fields
 * (a different client value is refused), refuses a value in a hidden field and refuses values that
 * fail an edit check. Missing values are left out of the result.
 */
export function validateValues(
  form: FormDefinition,
  input: Readonly<Record<string, unknown>>,
): Result<FieldValues> {
  const problems: Record<string, string> = {};
  const known = new Set(form.fields.map((f) => f.oid));
  for (const name of Object.keys(input)) {
    // Only OID-shaped names are echoed: a stray key could hold anything, even a protected value.
    if (!known.has(name))
      problems[/^[A-Za-z0-9_]{1,64}$/.test(name) ? name : '(invalid name)'] = 'is not a field of this form';
  }
  const values: Record<string, FieldValue> = {};
  const absent: FieldDefinition[] = [];
  for (const field of form.fields) {
    const raw = Object.hasOwn(input, field.oid) ? input[field.oid] : undefined;
    if (isMissing(raw)) {
      absent.push(field);
      continue;
    }
    const checked = checkValue(field, raw);
    if ('message' in checked) problems[field.oid] = checked.message;
    else values[field.oid] = checked.value;
  }
  const logic = enforceLogic(form, values, problems);
  for (const field of absent) {
    // A hidden field is not asked, and a calculated one is the server's to fill.
    if (field.required === true && field.calc === undefined && !logic.hidden.has(field.oid))
      problems[field.oid] = 'is required';
  }
  const names = Object.keys(problems);
  if (names.length > 0) {
    const checks = logic.messages.length > 0 ? ` ${logic.messages.join(' ')}` : '';
    return err(
      appError(
        'VALIDATION_FAILED',
        `The values are invalid: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}.${checks}`,
        {
          fields: problems,
        },
      ),
    );
  }
  return ok(values);
}
