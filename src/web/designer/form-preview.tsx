import { useState } from 'react';
import type { FormDefinition } from '../../forms/forms-view.js';
import { CheckMessages } from '../entry/check-messages.js';
import { entryLogic, shownCalc } from '../entry/entry-logic.js';
import { FieldInput, FieldLabel } from '../field-input.js';

/**
 * The form as the coordinator will see it, with its branching, calculations and edit checks live (the
 * entry page's own components and the server's logic module). Nothing typed here is saved.
 */
export function FormPreview({ definition }: { definition: FormDefinition }) {
  const [entered, setEntered] = useState<Record<string, string>>({});
  const outcome = entryLogic(definition, entered);
  return (
    <section className="preview" aria-label="Preview">
      <h3>
        Preview: {definition.name} <span className="muted">(nothing typed here is saved)</span>
      </h3>
      {definition.fields
        .filter((f) => !outcome.hidden.has(f.oid))
        .map((field) => {
          const id = `preview-${field.oid}`;
          return (
            <div key={field.oid} className="field">
              <FieldLabel field={field} id={id} />
              {field.calc !== undefined ? (
                <input id={id} readOnly value={shownCalc(outcome, field.oid)} />
              ) : (
                <FieldInput
                  field={field}
                  id={id}
                  value={entered[field.oid] ?? ''}
                  onChange={(value) => setEntered({ ...entered, [field.oid]: value })}
                />
              )}
              {field.help !== undefined && <span className="muted help">{field.help}</span>}
            </div>
          );
        })}
      <CheckMessages outcome={outcome} />
    </section>
  );
}
