import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { CheckpointView, InclusionProof, VerifyReportView } from '../ledger/ledger-view.js';
import { api, failureMessage } from './api.js';
import { useMay } from './use-may.js';

/** The audit ledger: the latest signed checkpoint, verify now, and a downloadable inclusion proof. */
export function LedgerPage() {
  const may = useMay();
  const checkpoint = useQuery({
    queryKey: ['checkpoint'],
    queryFn: () => api<CheckpointView>('GET', '/api/v1/ledger/checkpoint'),
    retry: false,
  });
  const verify = useMutation({
    mutationFn: () => api<VerifyReportView>('POST', '/api/v1/ledger/verify', {}),
  });
  const [index, setIndex] = useState('0');
  const [proofError, setProofError] = useState('');
  const download = async (event: FormEvent) => {
    event.preventDefault();
    setProofError('');
    try {
      const proof = await api<InclusionProof>(
        'GET',
        `/api/v1/ledger/inclusion?index=${encodeURIComponent(index)}`,
      );
      const url = URL.createObjectURL(
        new Blob([JSON.stringify(proof, null, 2)], { type: 'application/json' }),
      );
      const link = document.createElement('a');
      link.href = url;
      link.download = `inclusion-${index}.json`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      setProofError(failureMessage(e));
    }
  };
  return (
    <section>
      <h2>Audit ledger</h2>
      {checkpoint.isSuccess ? (
        <>
          <p>
            The latest signed checkpoint covers <strong>{checkpoint.data.size}</strong> events (
            {checkpoint.data.time}).
          </p>
          <figure>
            <figcaption>Signed checkpoint (C2SP note)</figcaption>
            <pre>{checkpoint.data.note}</pre>
          </figure>
        </>
      ) : (
        <p className="muted">No checkpoint yet.</p>
      )}
      {may('ledger.verify') && (
        <button type="button" onClick={() => verify.mutate()}>
          Verify now
        </button>
      )}
      {verify.isPending && <p>Verifying every event, checkpoint and record…</p>}
      {verify.isError && (
        <p role="alert" className="error">
          {failureMessage(verify.error)}
        </p>
      )}
      {verify.isSuccess && (
        <div role="status">
          {verify.data.ok ? (
            <p>
              Intact: {verify.data.events} events, {verify.data.checkpoints} checkpoints (
              {verify.data.witnessed} witnessed).
            </p>
          ) : (
            <ul className="error">
              {verify.data.findings.map((f) => (
                <li key={`${f.table}-${f.row}-${f.kind}`}>
                  {f.table} {f.row}: {f.kind}: {f.detail}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <form onSubmit={download} aria-label="Inclusion proof">
        <label htmlFor="event-index">Event number</label>
        <input
          id="event-index"
          inputMode="numeric"
          pattern="[0-9]+"
          value={index}
          onChange={(e) => setIndex(e.target.value)}
        />
        <button type="submit">Download its inclusion proof (RFC 9162)</button>
      </form>
      {proofError !== '' && (
        <p role="alert" className="error">
          {proofError}
        </p>
      )}
    </section>
  );
}
