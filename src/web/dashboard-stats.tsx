/** What a study's dashboard counts for those who review alerts (null for the others). */
export interface Alerts {
  openAlerts: number | null;
  /** Break-glass sessions past their 72-hour review without one (docs/access.md). */
  overdueBreakGlassReviews: number | null;
}

/** The dashboard's counters: participants, alerts, overdue break-glass reviews, the ledger. */
export function DashboardStats({
  participants,
  summary,
  checkpoint,
}: {
  participants: number;
  summary: Alerts;
  checkpoint: { size: number; time: string } | undefined;
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
