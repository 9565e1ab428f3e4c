import { isCodeList, joinCodes, splitCodes } from '../core/field-value.js';
import type { FieldDefinition } from '../forms/forms-view.js';
import { isMissingCode } from '../forms/logic/missing-codes.js';
import type { Shown } from '../records/records-view.js';

const BOOLEAN_CHOICES = [
  { code: 'true', label: 'Yes' },
  { code: 'false', label: 'No' },
];

export function FieldInput(props: {
  field: FieldDefinition;
  id: string;
  value: string;
  disabled?: boolean;
  onChange: (value: string) => void;
}) {
  const { field, id, value, disabled, onChange } = props;
  if (field.type === 'multichoice') return <CheckboxGroup {...props} />;
  if (field.type === 'choice' || field.type === 'boolean') {
    return (
      <select
        id={id}
        disabled={disabled}
        required={field.required}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">—</option>
        {(field.type === 'boolean' ? BOOLEAN_CHOICES : (field.choices ?? [])).map((c) => (
          <option key={c.code} value={c.code}>
            {c.label}
          </option>
        ))}
      </select>
    );
  }
  const numeric = field.type === 'integer' || field.type === 'decimal';
  return (
    <input
      id={id}
      disabled={disabled}
      type={field.type === 'date' ? 'date' : numeric ? 'number' : 'text'}
      step={field.type === 'decimal' ? 'any' : undefined}
      min={field.min}
      max={field.max}
      required={field.required}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/**
 * A multichoice field: one checkbox per choice. The entered text is the ticked codes joined by ","
 * (the text form the server reads, docs/forms.md#multiple-choice-multichoice); none ticked is blank.
 */
function CheckboxGroup(props: {
  field: FieldDefinition;
  id: string;
  value: string;
  disabled?: boolean;
  onChange: (value: string) => void;
}) {
  const { field, id, value, disabled, onChange } = props;
  const ticked = new Set(value === '' || isMissingCode(value) ? [] : splitCodes(value));
  const toggle = (code: string, on: boolean) => {
    const next = new Set(ticked);
    if (on) next.add(code);
    else next.delete(code);
    onChange(next.size === 0 ? '' : joinCodes([...next].sort()));
  };
  return (
    <fieldset id={id} className="checkbox-group" aria-label={field.label} disabled={disabled}>
      {(field.choices ?? []).map((c) => (
        <label key={c.code} className="checkbox">
          <input
            type="checkbox"
            name={id}
            value={c.code}
            checked={ticked.has(c.code)}
            onChange={(e) => toggle(c.code, e.target.checked)}
          />{' '}
          {c.label}
        </label>
      ))}
    </fieldset>
  );
}

/** A stored value as the entry form holds it: text, a list as its codes joined by ",". */
export function entryText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return Array.isArray(value) ? joinCodes(value as string[]) : String(value);
}

/** A value as the history shows it: masked, erased, blank, or the value (a list's codes with ", "). */
export function shown(v: Shown): string {
  if ('masked' in v) return '••••••';
  if ('unavailable' in v) return '(erased)';
  if (v.value === null) return '—';
  return isCodeList(v.value) ? v.value.join(', ') : String(v.value);
}

export function FieldLabel({ field, id }: { field: FieldDefinition; id: string }) {
  return (
    <label htmlFor={id}>
      {field.label}
      {field.required ? ' *' : ''} {field.unit !== undefined && <span className="muted">({field.unit})</span>}
    </label>
  );
}
