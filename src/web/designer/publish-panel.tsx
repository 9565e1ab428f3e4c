import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { DiffLine } from './definition-diff.js';
import { designerApi } from './designer-api.js';
import { ServerProblem } from './server-problem.js';

/**
 * Publishing a saved draft: what changes against the live version, and the reason, recorded with the
 * audit event (21 CFR 11.10(e)). A published version never changes; records keep their version.
 */
export function PublishPanel(props: {
  studyId: string;
  oid: string;
  diff: readonly DiffLine[];
  onPublished: () => void;
}) {
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<number | undefined>(undefined);
  const publish = useMutation({
    mutationFn: () => designerApi.publish(props.studyId, props.oid, reason.trim()),
    onSuccess: (version) => {
      setDone(version.version);
      setReason('');
      props.onPublished();
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
        disabled={reason.trim() === '' || props.diff.length === 0 || publish.isPending}
        onClick={() => publish.mutate()}
      >
        Publish new version
      </button>
      {done !== undefined && (
        <p role="status">Version {done} is live. Records entered before keep their version.</p>
      )}
      {publish.isError && <ServerProblem error={publish.error} />}
    </section>
  );
}
