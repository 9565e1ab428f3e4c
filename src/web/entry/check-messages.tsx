import type { LogicOutcome } from '../../forms/logic/form-logic.js';

/** Failed edit checks, shown as the user types (before submit), with the fields they name. */
export function CheckMessages({ outcome }: { outcome: LogicOutcome }) {
  const failed = outcome.checks.filter((c) => c.status !== 'pass');
  if (failed.length === 0) return null;
  return (
    <ul className="error" aria-label="Edit checks" aria-live="polite">
      {failed.map((c) => (
        <li key={c.id}>
          {c.status === 'fail' ? c.message : `Check ${c.id} cannot be evaluated: ${c.reason ?? ''}`} (
          {c.fields.join(', ')})
        </li>
      ))}
    </ul>
  );
}
