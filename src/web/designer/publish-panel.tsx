import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiFailure } from '../api.js';
import type { DiffLine } from './definition-diff.js';
import { designerApi } from './designer-api.js';
import { ServerProblem } from './server-problem.js';

/** The fields the server asks to confirm as clinical (CLASS_CONFIRMATION_REQUIRED), if any. */
function lookalikes(error: unknown): string[] {
  if (!(error instanceof ApiFailure) || error.error.code !== 'CLASS_CONFIRMATION_REQUIRED') return [];
  const fields = (error.error.details as { fields?: { field?: unknown }[] } | undefined)?.fields ?? [];
  return fields.map((f) => f.field).filter((f): f is string => typeof f === 'string');
}

/**
 * Publishing a saved draft: what changes against the live version, and the reason, recorded with the
 * audit event (21 CFR 11.10(e)). A published version never changes; records keep their version.
 */
export function PublishPanel(props: {
  studyId: string;
  oid: string;
  diff: readonly DiffLine[];
  onPublished: (version: number) => void;
}) {
  const [reason, setReason] = useState('');
  const [confirmed, setConfirmed] = useState<readonly string[]>([]);
  const publish = useMutation({
    mutationFn: () => designerApi.publish(props.studyId, props.oid, reason.trim(), confirmed),
    onSuccess: (version) => {
      setReason('');
      props.onPublished(version.version);
    },
  });
  return (
    <section className="publish" aria-label="Publish">
      <h3>Publish</h3>
      <p>Changes against the live version:</p>
      <ul className="diff">
        {props.diff.length === 0 && <li>No change.</li>}
        {props.diff.map((d) => (
          <li key={d.text} className={`diff-${d.kind}`}>
            {d.text}
          </li>
        ))}
      </ul>
      <label htmlFor="publish-reason">Reason for this version</label>
      <input id="publish-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
      <button
        type="button"
        disabled={reason.trim().length < 3 || props.diff.length === 0 || publish.isPending}
        onClick={() => publish.mutate()}
      >
        Publish new version
      </button>

      {publish.isError && <ServerProblem error={publish.error} />}
      {lookalikes(publish.error).length > 0 && (
        <fieldset>
          <legend>Confirm each field as clinical (stored in the clear), or go back and reclassify it</legend>
          {lookalikes(publish.error).map((field) => (
            <label key={field} className="inline">
              <input
                type="checkbox"
                checked={confirmed.includes(field)}
                onChange={(e) =>
                  setConfirmed(
                    e.target.checked ? [...confirmed, field] : confirmed.filter((f) => f !== field),
                  )
                }
              />{' '}
              {field} is clinical
            </label>
          ))}
        </fieldset>
      )}
    </section>
  );
}
