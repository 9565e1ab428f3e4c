import { type FieldValue, isCodeList, joinCodes, splitCodes } from '../../core/field-value.js';
import type { FormDefinition } from '../../forms/form-definition.js';
import { applyFormLogic, fieldValueOf, type LogicOutcome } from '../../forms/logic/form-logic.js';
import { isMissingCode } from '../../forms/logic/missing-codes.js';

/**
 * The entry form's live logic (issue #15 item 5): the same module the server runs
 * (src/forms/logic/form-logic.ts), so what the browser hides, calculates and warns about is what the
 * server will decide. The server stays the authority: it refuses whatever this would have prevented.
 */
export function typedValues(
  form: FormDefinition,
  entered: Readonly<Record<string, string>>,
): Record<string, FieldValue> {
  const values: Record<string, FieldValue> = {};
  for (const field of form.fields) {
    const raw = entered[field.oid];
    if (raw === undefined || raw === '') continue;
    if (
      (field.type === 'integer' || field.type === 'decimal') &&
      raw.trim() !== '' &&
      Number.isFinite(Number(raw))
    )
      values[field.oid] = Number(raw);
    else if (field.type === 'boolean' && (raw === 'true' || raw === 'false'))
      values[field.oid] = raw === 'true';
    // A multichoice field holds its ticked codes joined by "," (web/field-input.tsx).
    else if (field.type === 'multichoice' && !isMissingCode(raw)) values[field.oid] = splitCodes(raw);
    else values[field.oid] = raw;
  }
  return values;
}

export function entryLogic(form: FormDefinition, entered: Readonly<Record<string, string>>): LogicOutcome {
  return applyFormLogic(form, typedValues(form, entered));
}

/** What is sent: no hidden field (it must be empty) and no calculated one (the server computes it). */
export function valuesToSend(
  form: FormDefinition,
  entered: Readonly<Record<string, string>>,
  outcome: LogicOutcome,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of form.fields) {
    const v = entered[field.oid];
    if (v === undefined || v === '' || field.calc !== undefined || outcome.hidden.has(field.oid)) continue;
    out[field.oid] = v;
  }
  return out;
}

/** A calculated value as shown in its read-only input. */
export function shownCalc(outcome: LogicOutcome, oid: string): string {
  const calc = outcome.calcs.get(oid);
  if (calc === undefined || 'error' in calc) return '';
  const v = fieldValueOf(calc.value);
  return v === undefined ? '' : isCodeList(v) ? joinCodes(v) : String(v);
}
