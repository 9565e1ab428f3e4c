import type { CheckpointView } from '../ledger/ledger-view.js';
import {
  PARTICIPANT_STATUSES,
  type Participant,
  type ParticipantStatus,
  STATUS_LABELS,
} from '../participants/participants-view.js';
import type { StudySummary } from '../studies/studies-view.js';

/** What a study's dashboard counts for those who review alerts (null for the others). */
export type Alerts = Pick<StudySummary, 'openAlerts' | 'overdueBreakGlassReviews'>;

/** The dashboard's counters: participants, alerts, overdue break-glass reviews, the ledger. */
/** How many participants hold each status, in the status machine's order (erased last). */
export function statusCounts(participants: readonly Pick<Participant, 'status'>[]) {
  const order: readonly ParticipantStatus[] = [...PARTICIPANT_STATUSES, 'erased'];
  return order
    .map((status) => ({ status, count: participants.filter((p) => p.status === status).length }))
    .filter((c) => c.count > 0);
}

export function DashboardStats({
  participants,
  summary,
  checkpoint,
}: {
  participants: readonly Pick<Participant, 'status'>[];
  summary: Alerts;
  checkpoint: Pick<CheckpointView, 'size' | 'time'> | undefined;
}) {
  return (
    <ul className="stats">
      <li>
        <strong>{participants.length}</strong> participants
        {participants.length > 0 && (
          <span className="by-status">
            {' ('}
            {statusCounts(participants)
              .map((c) => `${c.count} ${STATUS_LABELS[c.status]}`)
              .join(', ')}
            {')'}
          </span>
        )}
      </li>
      {summary.openAlerts !== null && (
        <li>
          <strong>{summary.openAlerts}</strong> open alerts
        </li>
      )}
      {(summary.overdueBreakGlassReviews ?? 0) > 0 && (
        <li role="alert">
          <strong>{summary.overdueBreakGlassReviews}</strong> break-glass reviews overdue
        </li>
      )}
      <li>
        {checkpoint === undefined
          ? 'no ledger checkpoint yet'
          : `ledger checkpoint: ${checkpoint.size} events at ${checkpoint.time}`}
      </li>
    </ul>
  );
}
