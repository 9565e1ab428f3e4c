import type { FieldDefinition, FormDefinition } from '../../forms/forms-view.js';

/** One line of what publishing changes, as the designer shows it before asking for a reason. */
export interface DiffLine {
  readonly kind: 'added' | 'removed' | 'changed' | 'moved' | 'form';
  readonly field?: string;
  readonly text: string;
}

const PROPS = ['label', 'type', 'class', 'required', 'unit', 'min', 'max', 'pattern', 'help'] as const;

const show = (value: unknown): string =>
  value === undefined ? '(none)' : typeof value === 'string' ? `"${value}"` : String(value);

function fieldChanges(before: FieldDefinition, after: FieldDefinition): string[] {
  const changes: string[] = [];
  for (const prop of PROPS) {
    const a = before[prop];
    const b = after[prop];
    if ((a ?? false) !== (b ?? false) && a !== b) changes.push(`${prop} ${show(a)} -> ${show(b)}`);
  }
  const choices = (f: FieldDefinition) => (f.choices ?? []).map((c) => `${c.code}=${c.label}`).join(', ');
  if (choices(before) !== choices(after)) changes.push(`choices [${choices(before)}] -> [${choices(after)}]`);
  const logic = (f: FieldDefinition) => JSON.stringify({ show: f.show, calc: f.calc });
  if (logic(before) !== logic(after)) changes.push('branching or calculation changed');
  return changes;
}

/**
 * What a new version changes against the one before (21 CFR 11.10(e): the change is reviewed before
 * it is made, and its reason recorded). The server keeps both versions; this is the designer's view.
 */
export function definitionDiff(before: FormDefinition | undefined, after: FormDefinition): DiffLine[] {
  if (before === undefined) return [{ kind: 'form', text: `First version: ${after.fields.length} fields.` }];
  const lines: DiffLine[] = [];
  if (before.name !== after.name)
    lines.push({ kind: 'form', text: `name ${show(before.name)} -> ${show(after.name)}` });
  const old = new Map(before.fields.map((f) => [f.oid, f]));
  const now = new Map(after.fields.map((f) => [f.oid, f]));
  for (const f of after.fields) {
    const was = old.get(f.oid);
    if (was === undefined)
      lines.push({ kind: 'added', field: f.oid, text: `${f.oid} added (${f.type}, ${f.class})` });
    else
      for (const text of fieldChanges(was, f))
        lines.push({ kind: 'changed', field: f.oid, text: `${f.oid}: ${text}` });
  }
  for (const f of before.fields) {
    if (!now.has(f.oid))
      lines.push({
        kind: 'removed',
        field: f.oid,
        text: `${f.oid} removed (its values stay on the old version)`,
      });
  }
  const order = (d: FormDefinition) =>
    d.fields
      .map((f) => f.oid)
      .filter((o) => old.has(o) && now.has(o))
      .join(',');
  if (order(before) !== order(after)) lines.push({ kind: 'moved', text: 'fields reordered' });
  if (JSON.stringify(before.checks ?? []) !== JSON.stringify(after.checks ?? []))
    lines.push({ kind: 'form', text: 'edit checks changed' });
  return lines;
}
