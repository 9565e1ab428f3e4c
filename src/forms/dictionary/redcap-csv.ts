import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { FieldDefinition, FormDefinition } from '../form-definition.js';
import type { Candidate, DictionaryIssue, Parsed, Place } from './dictionary.js';
import { fromRedcap, toRedcap } from './redcap-logic.js';

/** The columns of a REDCap data dictionary, in REDCap's order (what the export writes). */
export const REDCAP_COLUMNS = [
  'Variable / Field Name',
  'Form Name',
  'Section Header',
  'Field Type',
  'Field Label',
  'Choices, Calculations, OR Slider Labels',
  'Field Note',
  'Text Validation Type OR Show Slider Number',
  'Text Validation Min',
  'Text Validation Max',
  'Identifier?',
  'Branching Logic (Show field only if...)',
  'Required Field?',
  'Custom Alignment',
  'Question Number (surveys only)',
  'Matrix Group Name',
  'Matrix Ranking?',
  'Field Annotation',
] as const;
type Column = (typeof REDCAP_COLUMNS)[number];

const VAR: Column = 'Variable / Field Name';
const FORM: Column = 'Form Name';
const TYPE: Column = 'Field Type';
const LABEL: Column = 'Field Label';
const CHOICES: Column = 'Choices, Calculations, OR Slider Labels';
const NOTE: Column = 'Field Note';
const VALIDATION: Column = 'Text Validation Type OR Show Slider Number';
const MIN: Column = 'Text Validation Min';
const MAX: Column = 'Text Validation Max';
const IDENTIFIER: Column = 'Identifier?';
const BRANCHING: Column = 'Branching Logic (Show field only if...)';
const REQUIRED: Column = 'Required Field?';
const ANNOTATION: Column = 'Field Annotation';

/** A header matches its column by its start, case-insensitively ("Variable / Field Name" or "Variable"). */
function columnOf(header: string): Column | undefined {
  const words = (t: string) =>
    t
      .toLowerCase()
      .replace(/[^a-z ]/g, ' ')
      .split(' ')
      .filter(Boolean)
      .slice(0, 3)
      .join(' ');
  const h = words(header);
  if (h === '') return undefined;
  return REDCAP_COLUMNS.find((c) => words(c) === h || words(c).startsWith(h) || h.startsWith(words(c)));
}

/** Where a definition key is written in the dictionary. */
const KEY_COLUMN: Readonly<Record<string, Column>> = {
  oid: VAR,
  label: LABEL,
  type: TYPE,
  class: IDENTIFIER,
  required: REQUIRED,
  min: MIN,
  max: MAX,
  choices: CHOICES,
  calc: CHOICES,
  show: BRANCHING,
  help: NOTE,
};

const TEXT_TYPES: Readonly<Record<string, FieldDefinition['type']>> = {
  '': 'text',
  integer: 'integer',
  number: 'decimal',
  number_1dp: 'decimal',
  number_2dp: 'decimal',
  number_3dp: 'decimal',
  number_4dp: 'decimal',
  date_ymd: 'date',
  date_dmy: 'date',
  date_mdy: 'date',
  datetime_ymd: 'datetime',
  datetime_seconds_ymd: 'datetime',
  datetime_dmy: 'datetime',
  datetime_mdy: 'datetime',
};
const TEXT_VALIDATION: Readonly<Partial<Record<FieldDefinition['type'], string>>> = {
  integer: 'integer',
  decimal: 'number',
  date: 'date_ymd',
  datetime: 'datetime_seconds_ymd',
};
/** REDCap types TrialVault has no field for: refused by name, never dropped silently. */
const UNSUPPORTED = new Set(['descriptive', 'file', 'slider', 'sql', 'signature']);

const TAG = /@TV-([A-Z-]+)(?::([A-Z0-9_]+))?(?:=("(?:[^"\\]|\\.)*"))?/g;
const FORM_TAGS = new Set(['FORM-NAME', 'FORM-DESCRIPTION', 'REPEATING', 'CHECK']);
const FIELD_TAGS = new Set(['CLASS', 'UNIT', 'PATTERN', 'MAXLENGTH', 'LOOKUP', 'TYPE']);

interface Tag {
  readonly name: string;
  readonly key: string | undefined;
  readonly value: string | undefined;
}

function tagsOf(annotation: string, issue: (message: string) => void): Tag[] {
  const tags: Tag[] = [];
  for (const m of annotation.matchAll(TAG)) {
    const name = m[1] as string;
    if (!FORM_TAGS.has(name) && !FIELD_TAGS.has(name)) {
      issue(`unknown tag @TV-${name}`);
      continue;
    }
    let value: string | undefined;
    try {
      value = m[3] === undefined ? undefined : (JSON.parse(m[3]) as string);
    } catch {
      issue(`the value of @TV-${name} is not a quoted string`);
      continue;
    }
    tags.push({ name, key: m[2], value });
  }
  return tags;
}

function titleOf(formName: string): string {
  const words = formName.replace(/_/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

interface Building {
  readonly form: Record<string, unknown> & { fields: Record<string, unknown>[]; checks?: unknown[] };
  readonly firstLine: number;
  readonly lines: number[];
}

function placer(b: Building) {
  return (path: readonly PropertyKey[]): Place => {
    if (path[0] === 'fields' && typeof path[1] === 'number') {
      const key = String(path[2] ?? 'oid');
      return { line: b.lines[path[1]] ?? b.firstLine, column: KEY_COLUMN[key] ?? ANNOTATION };
    }
    if (path[0] === 'oid' || path[0] === 'fields') return { line: b.firstLine, column: FORM };
    return { line: b.firstLine, column: ANNOTATION };
  };
}

/**
 * Reads a REDCap data dictionary (CSV with REDCap's header): one row per field, grouped by Form Name.
 * What REDCap has no column for (the data class beyond Identifier?, units, patterns, checks, a form's
 * display name) travels in `@TV-...` tags of the Field Annotation, as REDCap's own action tags do.
 */
export function readRedcapCsv(content: string): Parsed {
  const issues: DictionaryIssue[] = [];
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(content.replace(/^\uFEFF/, ''), {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as never;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    const why = error instanceof Error ? error.message.replace(/^Invalid [^:]*: /, '') : 'not CSV';
    return {
      forms: [],
      issues: [{ ...(line === undefined ? {} : { line }), message: `not valid CSV: ${why}` }],
    };
  }
  const header = rows.shift();
  if (header === undefined) return { forms: [], issues: [{ line: 1, message: 'the file is empty' }] };
  const columns = header.record.map(columnOf);
  for (const needed of [VAR, FORM, TYPE, LABEL]) {
    if (!columns.includes(needed)) issues.push({ line: 1, column: needed, message: 'the column is missing' });
  }
  if (issues.length > 0) return { forms: [], issues };
  const built = new Map<string, Building>();
  for (const { record, info } of rows) {
    const line = info.lines;
    if (record.length !== header.record.length) {
      issues.push({ line, message: `has ${record.length} columns, the header ${header.record.length}` });
      continue;
    }
    const cell = (c: Column) => {
      const at = columns.indexOf(c);
      return at < 0 ? '' : (record[at] ?? '').trim();
    };
    const issue = (column: Column, message: string) => issues.push({ line, column, message });
    const formName = cell(FORM);
    if (formName === '') {
      issue(FORM, 'is empty');
      continue;
    }
    const formOid = formName.toUpperCase();
    let b = built.get(formOid);
    if (b === undefined) {
      b = { form: { oid: formOid, name: titleOf(formName), fields: [] }, firstLine: line, lines: [] };
      built.set(formOid, b);
    }
    const field: Record<string, unknown> = { oid: cell(VAR).toUpperCase(), label: cell(LABEL) };
    const redcapType = cell(TYPE).toLowerCase();
    const validation = cell(VALIDATION).toLowerCase();
    if (UNSUPPORTED.has(redcapType)) issue(TYPE, `field type ${redcapType} is not supported`);
    else if (redcapType === 'text') {
      const type = TEXT_TYPES[validation];
      if (type === undefined) field.type = 'text';
      else field.type = type;
    } else if (redcapType === 'notes') field.type = 'text';
    else if (redcapType === 'radio' || redcapType === 'dropdown') field.type = 'choice';
    else if (redcapType === 'checkbox') field.type = 'multichoice';
    else if (redcapType === 'yesno' || redcapType === 'truefalse') field.type = 'boolean';
    else if (redcapType === 'calc') {
      field.type = 'decimal';
      field.calc = fromRedcap(cell(CHOICES));
    } else issue(TYPE, redcapType === '' ? 'is empty' : `unknown field type ${redcapType}`);
    field.class = /^(y|yes|1)$/i.test(cell(IDENTIFIER)) ? 'identifier' : 'clinical';
    if (field.type === 'choice' || field.type === 'multichoice') {
      const choices = cell(CHOICES)
        .split('|')
        .map((c) => c.trim())
        .filter((c) => c !== '');
      field.choices = choices.map((choice) => {
        const comma = choice.indexOf(',');
        if (comma < 0) issue(CHOICES, `choice "${choice.slice(0, 40)}" needs "code, label"`);
        return comma < 0
          ? { code: choice, label: choice }
          : { code: choice.slice(0, comma).trim(), label: choice.slice(comma + 1).trim() };
      });
    }
    for (const [column, key] of [
      [MIN, 'min'],
      [MAX, 'max'],
    ] as const) {
      const text = cell(column);
      if (text === '') continue;
      const n = Number(text);
      if (!Number.isFinite(n)) issue(column, 'is not a number');
      else field[key] = n;
    }
    if (cell(NOTE) !== '') field.help = cell(NOTE);
    if (cell(BRANCHING) !== '') field.show = fromRedcap(cell(BRANCHING));
    if (/^(y|yes|1)$/i.test(cell(REQUIRED))) field.required = true;
    for (const tag of tagsOf(cell(ANNOTATION), (m) => issue(ANNOTATION, m))) {
      const v = tag.value ?? '';
      if (FORM_TAGS.has(tag.name) && b.lines.length > 0) {
        issue(ANNOTATION, `@TV-${tag.name} belongs on the first field of the form`);
      } else if (tag.name === 'FORM-NAME') b.form.name = v;
      else if (tag.name === 'FORM-DESCRIPTION') b.form.description = v;
      else if (tag.name === 'REPEATING') b.form.repeating = true;
      else if (tag.name === 'CHECK') {
        const at = v.indexOf('|');
        b.form.checks = [
          ...(b.form.checks ?? []),
          { id: tag.key ?? '', message: v.slice(0, Math.max(at, 0)), expr: v.slice(at + 1) },
        ];
      } else if (tag.name === 'CLASS') {
        if (field.class === 'identifier' && v !== 'identifier')
          issue(ANNOTATION, '@TV-CLASS contradicts Identifier? = y');
        field.class = v;
      } else if (tag.name === 'UNIT') field.unit = v;
      else if (tag.name === 'PATTERN') field.pattern = v;
      else if (tag.name === 'LOOKUP') field.lookup = v;
      else if (tag.name === 'TYPE') field.type = v;
      else if (tag.name === 'MAXLENGTH') {
        const n = Number(v);
        if (!Number.isSafeInteger(n)) issue(ANNOTATION, '@TV-MAXLENGTH is not a whole number');
        else field.maxLength = n;
      }
    }
    b.form.fields.push(field);
    b.lines.push(line);
  }
  const forms: Candidate[] = [...built.values()].map((b) => ({ definition: b.form, locate: placer(b) }));
  return { forms, issues };
}

const quoted = (value: string) => JSON.stringify(value);

function rowOf(form: FormDefinition, field: FieldDefinition, first: boolean): string[] {
  const tags: string[] = [];
  if (first) {
    tags.push(`@TV-FORM-NAME=${quoted(form.name)}`);
    if (form.description !== undefined) tags.push(`@TV-FORM-DESCRIPTION=${quoted(form.description)}`);
    if (form.repeating === true) tags.push('@TV-REPEATING');
    for (const check of form.checks ?? [])
      tags.push(`@TV-CHECK:${check.id}=${quoted(`${check.message}|${check.expr}`)}`);
  }
  if (field.class !== 'identifier' && field.class !== 'clinical')
    tags.push(`@TV-CLASS=${quoted(field.class)}`);
  if (field.calc !== undefined && field.type !== 'decimal') tags.push(`@TV-TYPE=${quoted(field.type)}`);
  if (field.unit !== undefined) tags.push(`@TV-UNIT=${quoted(field.unit)}`);
  if (field.pattern !== undefined) tags.push(`@TV-PATTERN=${quoted(field.pattern)}`);
  if (field.maxLength !== undefined) tags.push(`@TV-MAXLENGTH=${quoted(String(field.maxLength))}`);
  if (field.lookup !== undefined) tags.push(`@TV-LOOKUP=${quoted(field.lookup)}`);
  const type =
    field.calc !== undefined
      ? 'calc'
      : field.type === 'choice'
        ? 'radio'
        : field.type === 'multichoice'
          ? 'checkbox'
          : field.type === 'boolean'
            ? 'yesno'
            : 'text';
  const choices =
    field.calc !== undefined
      ? toRedcap(field.calc)
      : (field.choices ?? []).map((c) => `${c.code}, ${c.label}`).join(' | ');
  const cells: Record<Column, string> = {
    'Variable / Field Name': field.oid.toLowerCase(),
    'Form Name': form.oid.toLowerCase(),
    'Section Header': '',
    'Field Type': type,
    'Field Label': field.label,
    'Choices, Calculations, OR Slider Labels': choices,
    'Field Note': field.help ?? '',
    'Text Validation Type OR Show Slider Number': type === 'text' ? (TEXT_VALIDATION[field.type] ?? '') : '',
    'Text Validation Min': field.min === undefined ? '' : String(field.min),
    'Text Validation Max': field.max === undefined ? '' : String(field.max),
    'Identifier?': field.class === 'identifier' ? 'y' : '',
    'Branching Logic (Show field only if...)': field.show === undefined ? '' : toRedcap(field.show),
    'Required Field?': field.required === true ? 'y' : '',
    'Custom Alignment': '',
    'Question Number (surveys only)': '',
    'Matrix Group Name': '',
    'Matrix Ranking?': '',
    'Field Annotation': tags.join(' '),
  };
  return REDCAP_COLUMNS.map((c) => cells[c]);
}

/** Writes forms as a REDCap data dictionary that `readRedcapCsv` reads back to the same definitions. */
export function writeRedcapCsv(forms: readonly FormDefinition[]): string {
  const rows = forms.flatMap((form) => form.fields.map((field, i) => rowOf(form, field, i === 0)));
  return stringify([[...REDCAP_COLUMNS], ...rows]);
}
