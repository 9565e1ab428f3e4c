import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { Page } from '../../http/pagination.js';
import { type Participant, STATUS_LABELS } from '../../participants/participants-view.js';
import type { RecordSummary } from '../../records/records-view.js';
import { api } from '../api.js';
import { Failure } from '../failure.js';
import { EntryPoint } from '../schedule/event-grid.js';
import { TelemetryPanel } from '../telemetry-panel.js';
import { NOT_YOUR_ROLE, useMay, useMayReveal } from '../use-may.js';

/**
 * A participant (#/participants/ID): site and status, the consent date revealed on request (audited,
 * for roles that may), the entry grid or chooser (for roles that enter data), records and wearables.
 */
export function ParticipantPage({ participantId }: { participantId: string }) {
  const [revealed, setRevealed] = useState<Participant | null>(null);
  const may = useMay();
  const reveals = useMayReveal();
  const participant = useQuery({
    queryKey: ['participant', participantId],
    queryFn: () => api<Participant>('GET', `/api/v1/participants/${participantId}`),
  });
  const records = useQuery({
    queryKey: ['records', participantId],
    queryFn: () => api<Page<RecordSummary>>('GET', `/api/v1/participants/${participantId}/records`),
  });
  const reveal = useMutation({
    mutationFn: () => api<Participant>('GET', `/api/v1/participants/${participantId}?reveal=true`),
    onSuccess: setRevealed,
  });
  if (participant.isPending || records.isPending) return <p>Loading…</p>;
  if (participant.isError) return <Failure error={participant.error} />;
  if (records.isError) return <Failure error={records.error} />;
  return (
    <section>
      <h2>Participant {participant.data.subjectId}</h2>
      <p>
        Site {participant.data.siteCode}, {STATUS_LABELS[participant.data.status]}. Consent date:{' '}
        {revealed === null && !reveals('quasi', participant.data.studyId) ? (
          <span title={NOT_YOUR_ROLE}>••••••</span>
        ) : revealed === null ? (
          <button type="button" onClick={() => reveal.mutate()}>
            Reveal (audited)
          </button>
        ) : (
          (revealed.consentDate ?? '—')
        )}
      </p>
      {reveal.isError && <Failure error={reveal.error} />}
      {may('record.write', participant.data.studyId) && <h3>New entry</h3>}
      <EntryPoint participantId={participantId} studyId={participant.data.studyId} />
      <h3>Records</h3>
      <ul className="cards">
        {records.data.items.map((r) => (
          <li key={r.id}>
            <a href={`#/records/${r.id}`}>
              {r.form} · {r.visit} · v{r.version}
              {r.locked && <span className="badge">locked</span>}
            </a>
          </li>
        ))}
      </ul>
      <TelemetryPanel participantId={participantId} studyId={participant.data.studyId} />
    </section>
  );
}
