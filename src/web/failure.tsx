import { failureMessage } from './api.js';

/** A failed call, said as the server said it (docs/errors.md). */
export function Failure({ error }: { error: unknown }) {
  return (
    <p role="alert" className="error">
      {failureMessage(error)}
    </p>
  );
}
