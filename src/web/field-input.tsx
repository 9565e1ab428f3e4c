import type { FieldDefinition } from '../forms/forms-view.js';

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

export function FieldLabel({ field, id }: { field: FieldDefinition; id: string }) {
  return (
    <label htmlFor={id}>
      {field.label}
      {field.required ? ' *' : ''} {field.unit !== undefined && <span className="muted">({field.unit})</span>}
    </label>
  );
}
