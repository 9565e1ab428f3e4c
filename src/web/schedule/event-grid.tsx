import { useQuery } from '@tanstack/react-query';
import type { CellState, GridView } from '../../grid/grid-view.js';
import type { ScheduleView } from '../../schedule/schedule-view.js';
import { api, failureMessage } from '../api.js';
import { NewEntryChooser } from '../new-record.js';
import { NOT_YOUR_ROLE, useMay } from '../use-may.js';

const LABELS: Readonly<Record<CellState, string>> = {
  'not-started': 'Not started',
  'in-progress': 'In progress',
  complete: 'Complete',
  locked: 'Locked',
  signed: 'Signed',
  overdue: 'Overdue',
};

/**
 * The participant's event grid (events x forms), like REDCap's record home page: entry is chosen from
 * the schedule, never typed (issue #15 item 4). A study without a schedule keeps the free chooser.
 */
export function EntryPoint({ participantId, studyId }: { participantId: string; studyId: string }) {
  const may = useMay(studyId);
  const enters = may('record.write');
  const schedule = useQuery({
    queryKey: ['schedule', studyId],
    queryFn: () => api<ScheduleView>('GET', `/api/v1/studies/${studyId}/schedule`),
  });
  if (schedule.data === undefined && !schedule.isError) return <p>Loading…</p>;
  if (schedule.data === undefined || schedule.data.events.length === 0)
    return enters ? <NewEntryChooser participantId={participantId} studyId={studyId} /> : null;
  return <EventGrid participantId={participantId} enters={enters} />;
}

/** The grid; without record.write, a form not yet entered is shown, not linked to an entry form. */
export function EventGrid({ participantId, enters }: { participantId: string; enters: boolean }) {
  const grid = useQuery({
    queryKey: ['grid', participantId],
    queryFn: () => api<GridView>('GET', `/api/v1/participants/${participantId}/grid`),
  });
  if (grid.isError)
    return (
      <p role="alert" className="error">
        {failureMessage(grid.error)}
      </p>
    );
  if (grid.data === undefined) return <p>Loading…</p>;
  return (
    <section aria-label="Event grid">
      <h3>Schedule</h3>
      <p className="muted">Windows from the enrolment date {grid.data.reference}.</p>
      <div className="table-scroll">
        <table className="event-grid">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Window</th>
              <th scope="col">Forms</th>
            </tr>
          </thead>
          <tbody>
            {grid.data.events.map((event) => (
              <tr key={event.oid}>
                <th scope="row">{event.name}</th>
                <td>{event.window === null ? '—' : `${event.window.from} – ${event.window.to}`}</td>
                <td>
                  {event.cells.map((cell) => {
                    const entered = cell.recordId !== null && cell.state !== 'in-progress';
                    const href = entered
                      ? `#/records/${cell.recordId}`
                      : `#/new/${participantId}/${encodeURIComponent(cell.form)}/${encodeURIComponent(cell.visit)}`;
                    if (!entered && !enters)
                      return (
                        <span
                          key={cell.form}
                          className={`cell cell-${cell.state}`}
                          title={`${NOT_YOUR_ROLE}: enter data`}
                        >
                          {cell.form} · {LABELS[cell.state]}
                        </span>
                      );
                    return (
                      <a
                        key={cell.form}
                        className={`cell cell-${cell.state}`}
                        href={href}
                        aria-label={`${event.name}: ${cell.form}, ${LABELS[cell.state]}`}
                      >
                        {cell.form} · {LABELS[cell.state]}
                      </a>
                    );
                  })}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {grid.data.unscheduled.length > 0 && (
        <p className="muted">
          Entered outside the schedule:{' '}
          {grid.data.unscheduled.map((r) => (
            <a key={r.recordId} href={`#/records/${r.recordId}`}>
              {r.form}@{r.visit}{' '}
            </a>
          ))}
        </p>
      )}
    </section>
  );
}
