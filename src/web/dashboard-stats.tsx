import type { CheckpointView } from '../ledger/ledger-view.js';
import type { StudySummary } from '../studies/studies-view.js';

/** What a study's dashboard counts for those who review alerts (null for the others). */
export type Alerts = Pick<StudySummary, 'openAlerts' | 'overdueBreakGlassReviews'>;

/** The dashboard's counters: participants, alerts, overdue break-glass reviews, the ledger. */
export function DashboardStats({
  participants,
  summary,
  checkpoint,
}: {
  participants: number;
  summary: Alerts;
  checkpoint: Pick<CheckpointView, 'size' | 'time'> | undefined;
}) {
  return (
    <ul className="stats">
      <li>
        <strong>{participants}</strong> participants
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
