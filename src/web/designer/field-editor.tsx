import type { FieldType } from '../../forms/forms-view.js';
import { CLASS_GUIDE, classWarning } from './data-class-guide.js';
import {
  type ChoiceDraft,
  choiceType,
  type FieldDraft,
  type FieldIssues,
  newKey,
  numericType,
  oidFromLabel,
  TYPE_LABELS,
} from './draft-model.js';

function Issue({ text, id }: { text: string | undefined; id: string }) {
  return text === undefined ? null : (
    <span id={id} className="error field-issue">
      {text}
    </span>
  );
}

const restText = (field: FieldDraft, key: 'show' | 'calc'): string => {
  const value = field.rest[key];
  return typeof value === 'string' ? value : '';
};

/** Sets or clears a logic expression kept in the field's untouched keys (docs/logic.md). */
function withRest(field: FieldDraft, key: 'show' | 'calc', value: string): FieldDraft {
  const { [key]: _dropped, ...rest } = field.rest;
  return { ...field, rest: value.trim() === '' ? rest : { ...rest, [key]: value } };
}

/**
 * One field's properties, with each problem next to its input. The data class is chosen explicitly,
 * with what it means, because it decides encryption and blinding (issue #15 item 2).
 */
export function FieldEditor(props: {
  field: FieldDraft;
  issues: FieldIssues;
  logicProblems: readonly string[];
  onChange: (field: FieldDraft) => void;
  onRemove: () => void;
}) {
  const { field, issues, onChange } = props;
  const id = (name: string) => `field-${field.key}-${name}`;
  const set = (patch: Partial<FieldDraft>) => onChange({ ...field, ...patch });
  const warning = classWarning(field.label, field.oid, field.class);
  const setChoice = (key: string, patch: Partial<ChoiceDraft>) =>
    set({ choices: field.choices.map((c) => (c.key === key ? { ...c, ...patch } : c)) });
  return (
    <fieldset className="field-editor">
      <legend>Field {field.oid || '(new)'}</legend>
      <label htmlFor={id('label')}>Question (label)</label>
      <input
        id={id('label')}
        value={field.label}
        aria-describedby={id('label-issue')}
        onChange={(e) => {
          const label = e.target.value;
          // The OID follows the label until the designer edits it (ODM style: SYSTOLIC_BP).
          const auto =
            field.oid === '' || field.oid === oidFromLabel(field.label) || /^FIELD_\d+$/.test(field.oid);
          set(auto ? { label, oid: oidFromLabel(label) || field.oid } : { label });
        }}
      />
      <Issue id={id('label-issue')} text={issues.label} />
      <label htmlFor={id('oid')}>Field name (OID)</label>
      <input id={id('oid')} value={field.oid} onChange={(e) => set({ oid: e.target.value.toUpperCase() })} />
      <Issue id={id('oid-issue')} text={issues.oid} />
      <label htmlFor={id('type')}>Type</label>
      <select
        id={id('type')}
        value={field.type}
        onChange={(e) => set({ type: e.target.value as FieldType | '' })}
      >
        <option value="">Choose…</option>
        {Object.entries(TYPE_LABELS).map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <Issue id={id('type-issue')} text={issues.type} />
      <fieldset className="class-choice">
        <legend>Data class</legend>
        {CLASS_GUIDE.map((c) => (
          <label key={c.value} className="class-option">
            <input
              type="radio"
              name={id('class')}
              value={c.value}
              checked={field.class === c.value}
              onChange={() => set({ class: c.value })}
            />{' '}
            <strong>{c.label}</strong> <span className="muted">{c.guide}</span>
          </label>
        ))}
      </fieldset>
      <Issue id={id('class-issue')} text={issues.class} />
      {warning !== null && (
        <p role="alert" className="warning">
          {warning}
        </p>
      )}
      <label className="inline">
        <input
          type="checkbox"
          checked={field.required}
          onChange={(e) => set({ required: e.target.checked })}
        />{' '}
        Required
      </label>
      <label htmlFor={id('help')}>Help text (shown during entry)</label>
      <input id={id('help')} value={field.help} onChange={(e) => set({ help: e.target.value })} />
      {numericType(field.type) && (
        <div className="row">
          <span>
            <label htmlFor={id('unit')}>Unit</label>
            <input id={id('unit')} value={field.unit} onChange={(e) => set({ unit: e.target.value })} />
          </span>
          <span>
            <label htmlFor={id('min')}>Minimum</label>
            <input
              id={id('min')}
              inputMode="decimal"
              value={field.min}
              onChange={(e) => set({ min: e.target.value })}
            />
            <Issue id={id('min-issue')} text={issues.min} />
          </span>
          <span>
            <label htmlFor={id('max')}>Maximum</label>
            <input
              id={id('max')}
              inputMode="decimal"
              value={field.max}
              onChange={(e) => set({ max: e.target.value })}
            />
            <Issue id={id('max-issue')} text={issues.max} />
          </span>
        </div>
      )}
      {field.type === 'text' && (
        <>
          <label htmlFor={id('pattern')}>Pattern (regular expression, whole value)</label>
          <input
            id={id('pattern')}
            value={field.pattern}
            onChange={(e) => set({ pattern: e.target.value })}
          />
          <Issue id={id('pattern-issue')} text={issues.pattern} />
        </>
      )}
      {choiceType(field.type) && (
        <div className="choices">
          <p>
            Choices (code stored, label shown)
            {field.type === 'multichoice' ? '; the coordinator may tick any number of them' : ''}
          </p>
          {field.choices.map((c, i) => (
            <div key={c.key} className="row">
              <input
                aria-label={`Choice ${i + 1} code`}
                value={c.code}
                onChange={(e) => setChoice(c.key, { code: e.target.value })}
              />
              <input
                aria-label={`Choice ${i + 1} label`}
                value={c.label}
                onChange={(e) => setChoice(c.key, { label: e.target.value })}
              />
              <button
                type="button"
                onClick={() => set({ choices: field.choices.filter((x) => x.key !== c.key) })}
              >
                Remove
              </button>
              <Issue id={id(`choice-${c.key}`)} text={issues.choice?.[c.key]} />
            </div>
          ))}
          <button
            type="button"
            onClick={() =>
              set({
                choices: [
                  ...field.choices,
                  { key: newKey(), code: String(field.choices.length + 1), label: '' },
                ],
              })
            }
          >
            Add choice
          </button>
          <Issue id={id('choices-issue')} text={issues.choices} />
        </div>
      )}
      <label htmlFor={id('show')}>Show only when (branching, e.g. [SEX] = 'F')</label>
      <input
        id={id('show')}
        value={restText(field, 'show')}
        onChange={(e) => onChange(withRest(field, 'show', e.target.value))}
      />
      <label htmlFor={id('calc')}>Calculated as (e.g. [WEIGHT] / ([HEIGHT] / 100) ^ 2)</label>
      <input
        id={id('calc')}
        value={restText(field, 'calc')}
        onChange={(e) => onChange(withRest(field, 'calc', e.target.value))}
      />
      {props.logicProblems.map((p) => (
        <p key={p} className="error">
          {p}
        </p>
      ))}
      <button type="button" className="danger" onClick={props.onRemove}>
        Remove field
      </button>
    </fieldset>
  );
}
