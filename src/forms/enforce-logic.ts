import { type FieldValue, sameFieldValue } from '../core/field-value.js';
import type { FormDefinition } from './form-definition.js';
import { applyFormLogic, fieldValueOf } from './logic/form-logic.js';
import { checkValue } from './validate-values.js';

/**
 * The server's side of form logic (docs/logic.md#what-the-server-does-with-the-results): the browser
 * evaluates the same module live, but only this decides. Mutates `values` (calculated fields set or
 * removed) and `problems` (per field); returns the hidden fields and the failed checks' messages.
 */
export function enforceLogic(
  form: FormDefinition,
  values: Record<string, FieldValue>,
  problems: Record<string, string>,
): { hidden: ReadonlySet<string>; messages: string[] } {
  const messages: string[] = [];
  if (
    !form.fields.some((f) => f.show !== undefined || f.calc !== undefined) &&
    (form.checks ?? []).length === 0
  )
    return { hidden: new Set(), messages };
  const sent = new Map<string, FieldValue>();
  for (const field of form.fields) {
    if (field.calc === undefined || !(field.oid in values)) continue;
    sent.set(field.oid, values[field.oid] as FieldValue);
    delete values[field.oid];
  }
  const outcome = applyFormLogic(form, values);
  for (const field of form.fields) {
    const calc = outcome.calcs.get(field.oid);
    if (calc === undefined) continue;
    if ('error' in calc) {
      problems[field.oid] = `cannot be calculated: ${calc.error}`;
      continue;
    }
    const computed = fieldValueOf(calc.value);
    let stored: FieldValue | undefined;
    if (computed !== undefined) {
      const checked = checkValue(field, field.type === 'text' ? String(computed) : computed);
      if ('message' in checked) {
        problems[field.oid] = `is calculated, and the result ${checked.message}`;
        continue;
      }
      stored = checked.value;
    }
    // A forged calculated value is refused, not silently replaced: the client is wrong or hostile.
    if (sent.has(field.oid) && !sameFieldValue(sent.get(field.oid), stored)) {
      problems[field.oid] = 'is calculated by the server; the value sent differs from the calculation';
      continue;
    }
    if (stored !== undefined) values[field.oid] = stored;
  }
  for (const oid of outcome.hidden) {
    if (oid in values && !(oid in problems))
      problems[oid] = 'is hidden by its show condition and must be left empty';
  }
  for (const check of outcome.checks) {
    if (check.status === 'pass') continue;
    const text =
      check.status === 'fail'
        ? `Check ${check.id}: ${check.message}`
        : `Check ${check.id} cannot be evaluated: ${check.reason ?? 'error'}`;
    messages.push(`${text} (${check.fields.join(', ')}).`);
    for (const oid of check.fields) if (!(oid in problems)) problems[oid] = text;
  }
  return { hidden: outcome.hidden, messages };
}
