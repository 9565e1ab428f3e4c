import { ApiFailure, failureMessage } from '../api.js';

/** The server's refusal with its details (line, field, path), never a stack trace. */
export function ServerProblem({ error }: { error: unknown }) {
  const details = error instanceof ApiFailure ? error.error.details : undefined;
  const lines =
    details === undefined
      ? []
      : Object.entries(details).flatMap(([key, value]) =>
          typeof value === 'object' && value !== null
            ? Object.entries(value).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
            : [`${key}: ${String(value)}`],
        );
  return (
    <div role="alert" className="error">
      <p>{failureMessage(error)}</p>
      {lines.length > 0 && (
        <ul>
          {lines.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
