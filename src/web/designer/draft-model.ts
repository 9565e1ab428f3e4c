import type { DataClass, FieldDefinition, FieldType, FormDefinition } from '../../forms/forms-view.js';

/**
 * The designer's editable copy of a form: strings where the user types numbers (so "1." is not lost
 * while typing), a stable key per field and choice for drag and drop, and an explicit empty type and
 * class until the designer picks one. The server validates again (form-definition.ts is the authority).
 */
export interface ChoiceDraft {
  readonly key: string;
  readonly code: string;
  readonly label: string;
}

export interface FieldDraft {
  readonly key: string;
  readonly oid: string;
  readonly label: string;
  readonly type: FieldType | '';
  readonly class: DataClass | '';
  readonly required: boolean;
  readonly help: string;
  readonly unit: string;
  readonly min: string;
  readonly max: string;
  readonly pattern: string;
  readonly choices: readonly ChoiceDraft[];
  /** Keys the designer does not edit (lookup, maxLength, logic) are kept as they were. */
  readonly rest: Readonly<Record<string, unknown>>;
}

export interface FormDraft {
  readonly oid: string;
  readonly name: string;
  readonly description: string;
  readonly rest: Readonly<Record<string, unknown>>;
  readonly fields: readonly FieldDraft[];
}

export const TYPE_LABELS: Readonly<Record<FieldType, string>> = {
  text: 'Text',
  integer: 'Integer',
  decimal: 'Decimal number',
  date: 'Date',
  datetime: 'Date and time',
  choice: 'Single choice',
  multichoice: 'Multiple choice (checkboxes)',
  boolean: 'Yes / no',
};

const OID = /^[A-Z][A-Z0-9_]{0,63}$/;
let counter = 0;
export const newKey = (): string => `k${++counter}`;

/** An OID from a label: "Systolic blood pressure" -> SYSTOLIC_BLOOD_PRESSURE (ODM style). */
export function oidFromLabel(label: string): string {
  const oid = label
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase()
    .slice(0, 64);
  return /^[A-Z]/.test(oid) ? oid : oid === '' ? '' : `F_${oid}`.slice(0, 64);
}

export function emptyField(taken: readonly string[]): FieldDraft {
  let n = taken.length + 1;
  while (taken.includes(`FIELD_${n}`)) n++;
  return {
    key: newKey(),
    oid: `FIELD_${n}`,
    label: '',
    type: '',
    class: '',
    required: false,
    help: '',
    unit: '',
    min: '',
    max: '',
    pattern: '',
    choices: [],
    rest: {},
  };
}

export function fieldDraft(field: FieldDefinition): FieldDraft {
  const {
    oid,
    label,
    type,
    class: dataClass,
    required,
    help,
    unit,
    min,
    max,
    pattern,
    choices,
    ...rest
  } = field;
  return {
    key: newKey(),
    oid,
    label,
    type,
    class: dataClass,
    required: required === true,
    help: help ?? '',
    unit: unit ?? '',
    min: min === undefined ? '' : String(min),
    max: max === undefined ? '' : String(max),
    pattern: pattern ?? '',
    choices: (choices ?? []).map((c) => ({ key: newKey(), code: c.code, label: c.label })),
    rest,
  };
}

export function formDraft(definition: FormDefinition): FormDraft {
  const { oid, name, description, fields, ...rest } = definition;
  return { oid, name, description: description ?? '', rest, fields: fields.map(fieldDraft) };
}

export const numericType = (type: FieldType | ''): boolean => type === 'integer' || type === 'decimal';
/** The types that take a choice list: one code (`choice`) or any number (`multichoice`). */
export const choiceType = (type: FieldType | ''): boolean => type === 'choice' || type === 'multichoice';

/** Problems per property of one field, shown next to that input; empty when the field is complete. */
export type FieldIssues = Partial<
  Record<'oid' | 'label' | 'type' | 'class' | 'min' | 'max' | 'pattern' | 'choices', string>
> & {
  choice?: Readonly<Record<string, string>>;
};

export function fieldIssues(field: FieldDraft, all: readonly FieldDraft[]): FieldIssues {
  const issues: FieldIssues = {};
  if (!OID.test(field.oid))
    issues.oid = 'Upper case letters, digits and _, starting with a letter (at most 64).';
  else if (all.some((f) => f.key !== field.key && f.oid === field.oid))
    issues.oid = `Another field is already ${field.oid}.`;
  if (field.label.trim() === '') issues.label = 'Write the question as the coordinator will read it.';
  if (field.type === '') issues.type = 'Choose a type.';
  if (field.class === '') issues.class = 'Choose a data class: it decides encryption and blinding.';
  if (numericType(field.type)) {
    const min = field.min === '' ? undefined : Number(field.min);
    const max = field.max === '' ? undefined : Number(field.max);
    if (min !== undefined && !Number.isFinite(min)) issues.min = 'Not a number.';
    if (max !== undefined && !Number.isFinite(max)) issues.max = 'Not a number.';
    if (field.type === 'integer' && min !== undefined && !Number.isInteger(min))
      issues.min = 'A whole number.';
    if (field.type === 'integer' && max !== undefined && !Number.isInteger(max))
      issues.max = 'A whole number.';
    if (min !== undefined && max !== undefined && min > max) issues.max = 'The maximum is below the minimum.';
  }
  if (field.type === 'text' && field.pattern !== '') {
    try {
      new RegExp(field.pattern, 'u');
    } catch {
      issues.pattern = 'Not a valid regular expression.';
    }
  }
  if (choiceType(field.type)) {
    if (field.choices.length === 0) issues.choices = 'Add at least one choice.';
    const choice: Record<string, string> = {};
    const seen = new Map<string, string>();
    for (const c of field.choices) {
      if (c.code.trim() === '') choice[c.key] = 'A code is needed (it is what is stored).';
      else if (seen.has(c.code)) choice[c.key] = `Code ${c.code} is already used above.`;
      else if (field.type === 'multichoice' && c.code.includes(','))
        choice[c.key] = 'A multiple-choice code may not contain a comma.';
      else if (c.label.trim() === '') choice[c.key] = 'A label is needed (it is what is shown).';
      seen.set(c.code, c.key);
    }
    if (Object.keys(choice).length > 0) issues.choice = choice;
  }
  return issues;
}

export function formIssues(form: FormDraft): { oid?: string; name?: string; fields?: string } {
  const issues: { oid?: string; name?: string; fields?: string } = {};
  if (!OID.test(form.oid)) issues.oid = 'Upper case letters, digits and _, starting with a letter.';
  if (form.name.trim() === '') issues.name = 'Give the form a name.';
  if (form.fields.length === 0) issues.fields = 'Add at least one field.';
  return issues;
}

export const hasIssues = (issues: object): boolean => Object.keys(issues).length > 0;

/**
 * The definition to save: empty inputs left out, numbers parsed, only the keys a type takes. Null while
 * a field has no type or no class: a class is never filled in for the designer (no silent "clinical").
 */
export function toDefinition(form: FormDraft): FormDefinition | null {
  if (form.fields.some((f) => f.type === '' || f.class === '')) return null;
  const fields = form.fields.map((f): FieldDefinition => {
    const numeric = numericType(f.type);
    return {
      ...f.rest,
      oid: f.oid,
      label: f.label.trim(),
      type: f.type as FieldType,
      class: f.class as DataClass,
      ...(f.required ? { required: true } : {}),
      ...(f.help.trim() === '' ? {} : { help: f.help.trim() }),
      ...(f.unit.trim() === '' ? {} : { unit: f.unit.trim() }),
      ...(numeric && f.min !== '' ? { min: Number(f.min) } : {}),
      ...(numeric && f.max !== '' ? { max: Number(f.max) } : {}),
      ...(f.type === 'text' && f.pattern !== '' ? { pattern: f.pattern } : {}),
      ...(choiceType(f.type)
        ? { choices: f.choices.map((c) => ({ code: c.code.trim(), label: c.label.trim() })) }
        : {}),
    };
  });
  return {
    ...form.rest,
    oid: form.oid,
    name: form.name.trim(),
    ...(form.description.trim() === '' ? {} : { description: form.description.trim() }),
    fields,
  };
}

/** Moves an item from one index to another (keyboard "move up/down" and drag and drop). */
export function moved<T>(items: readonly T[], from: number, to: number): T[] {
  const copy = [...items];
  if (from < 0 || from >= copy.length || to < 0 || to >= copy.length) return copy;
  const [item] = copy.splice(from, 1);
  copy.splice(to, 0, item as T);
  return copy;
}
