import type { FieldDefinition, FormDefinition } from './form-definition.js';
import type { FieldChange, FormDiff } from './forms-view.js';

const FORM_KEYS = ['name', 'description', 'repeating', 'checks'] as const;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function brief(field: FieldDefinition) {
  return { oid: field.oid, label: field.label, type: field.type, class: field.class };
}

/** Every key whose value differs between two definitions of one field, in a stable order. */
function fieldChanges(before: FieldDefinition, after: FieldDefinition): FieldChange['changes'] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  return keys
    .filter((k) => !same(a[k], b[k]))
    .map((key) => ({ key, from: a[key] ?? null, to: b[key] ?? null }));
}

/** The field-level difference from one version of a form to another (docs/forms.md, "Versions"). */
export function diffDefinitions(
  oid: string,
  from: { version: number; definition: FormDefinition },
  to: { version: number; definition: FormDefinition },
): FormDiff {
  const before = new Map(from.definition.fields.map((f) => [f.oid, f]));
  const after = new Map(to.definition.fields.map((f) => [f.oid, f]));
  const changed: FieldChange[] = [];
  const classChanges: FormDiff['classChanges'][number][] = [];
  for (const field of to.definition.fields) {
    const old = before.get(field.oid);
    if (old === undefined) continue;
    const changes = fieldChanges(old, field);
    if (changes.length > 0) changed.push({ oid: field.oid, changes });
    if (old.class !== field.class) classChanges.push({ oid: field.oid, from: old.class, to: field.class });
  }
  const a = from.definition as Record<string, unknown>;
  const b = to.definition as Record<string, unknown>;
  return {
    oid,
    from: from.version,
    to: to.version,
    added: to.definition.fields.filter((f) => !before.has(f.oid)).map(brief),
    removed: from.definition.fields.filter((f) => !after.has(f.oid)).map(brief),
    changed,
    classChanges,
    form: FORM_KEYS.filter((k) => !same(a[k], b[k])).map((key) => ({
      key,
      from: a[key] ?? null,
      to: b[key] ?? null,
    })),
  };
}
