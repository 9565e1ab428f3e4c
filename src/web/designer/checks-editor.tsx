import { useRef } from 'react';
import type { FormDefinition } from '../../forms/forms-view.js';
import { newKey } from './draft-model.js';

type Check = NonNullable<FormDefinition['checks']>[number];

/** Cross-field edit checks: an expression that must hold, and the message shown when it does not. */
export function ChecksEditor({
  checks,
  onChange,
}: {
  checks: readonly Check[];
  onChange: (c: Check[]) => void;
}) {
  // Stable row keys while ids are typed (and may collide) for React's reconciliation.
  const keys = useRef<string[]>([]);
  while (keys.current.length < checks.length) keys.current.push(newKey());
  const set = (i: number, patch: Partial<Check>) =>
    onChange(checks.map((c, k) => (k === i ? { ...c, ...patch } : c)));
  return (
    <fieldset className="checks-editor">
      <legend>Edit checks (entry is refused when one fails)</legend>
      {checks.map((c, i) => (
        <div key={keys.current[i]} className="row">
          <input
            aria-label={`Check ${i + 1} name`}
            value={c.id}
            onChange={(e) => set(i, { id: e.target.value.toUpperCase() })}
          />
          <input
            aria-label={`Check ${i + 1} expression`}
            placeholder="[DIABP] < [SYSBP]"
            value={c.expr}
            onChange={(e) => set(i, { expr: e.target.value })}
          />
          <input
            aria-label={`Check ${i + 1} message`}
            placeholder="Diastolic must be below systolic"
            value={c.message}
            onChange={(e) => set(i, { message: e.target.value })}
          />
          <button
            type="button"
            onClick={() => {
              keys.current.splice(i, 1);
              onChange(checks.filter((_, k) => k !== i));
            }}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => onChange([...checks, { id: `CHECK_${checks.length + 1}`, expr: '', message: '' }])}
      >
        Add edit check
      </button>
    </fieldset>
  );
}
