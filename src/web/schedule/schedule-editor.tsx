import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { FormListing } from '../../forms/forms-view.js';
import type { Page } from '../../http/pagination.js';
import { EVENT_KINDS, type EventKind, scheduleDefinitionSchema } from '../../schedule/schedule-definition.js';
import type { ScheduleEvent, ScheduleView } from '../../schedule/schedule-view.js';
import { api } from '../api.js';
import { oidFromLabel } from '../designer/draft-model.js';
import { ServerProblem } from '../designer/server-problem.js';
import { NotYourRole, useMay } from '../use-may.js';

/** An event OID from its name ("Week 4" -> WEEK_4): the designer's own rule, at the events' 48. */
const eventOid = (name: string) => oidFromLabel(name).slice(0, 48);

interface EventDraft {
  readonly key: number;
  readonly oid: string;
  readonly name: string;
  readonly kind: EventKind;
  readonly day: string;
  readonly windowBefore: string;
  readonly windowAfter: string;
  readonly forms: readonly string[];
}

const KIND_LABELS: Record<EventKind, string> = {
  screening: 'Screening',
  baseline: 'Baseline (day 0)',
  scheduled: 'Scheduled (target day and window)',
  unscheduled: 'Unscheduled',
  repeating: 'Repeating (OID-1, OID-2, …)',
};

let next = 0;
const draftOf = (e: ScheduleEvent): EventDraft => ({
  key: ++next,
  oid: e.oid,
  name: e.name,
  kind: e.kind,
  day: e.day === undefined ? '' : String(e.day),
  windowBefore: e.windowBefore === undefined ? '' : String(e.windowBefore),
  windowAfter: e.windowAfter === undefined ? '' : String(e.windowAfter),
  forms: e.forms,
});
const num = (s: string) => (s.trim() === '' ? {} : { value: Number(s) });

function toEvent(d: EventDraft): ScheduleEvent {
  const day = num(d.day);
  const before = num(d.windowBefore);
  const after = num(d.windowAfter);
  return {
    oid: d.oid,
    name: d.name.trim(),
    kind: d.kind,
    ...('value' in day ? { day: day.value } : {}),
    ...('value' in before ? { windowBefore: before.value } : {}),
    ...('value' in after ? { windowAfter: after.value } : {}),
    forms: [...d.forms],
  };
}

/**
 * A study's visit schedule (issue #15 item 4), edited as OpenClinica event definitions: events with
 * their kind, target day and window from enrolment, and the forms entered at each. Checked here with
 * the server's own schema; the server decides (PUT /api/v1/studies/:study/schedule).
 */
export function ScheduleEditor({ studyId }: { studyId: string }) {
  const may = useMay(studyId);
  // Reached by its address only: a role without form.manage is told so, not offered an editor to save.
  return may('form.manage') ? (
    <EditSchedule studyId={studyId} />
  ) : (
    <NotYourRole what="edit the visit schedule" />
  );
}

function EditSchedule({ studyId }: { studyId: string }) {
  const client = useQueryClient();
  const schedule = useQuery({
    queryKey: ['schedule', studyId],
    queryFn: () => api<ScheduleView>('GET', `/api/v1/studies/${studyId}/schedule`),
  });
  const forms = useQuery({
    queryKey: ['forms', studyId],
    queryFn: () => api<Page<FormListing>>('GET', `/api/v1/studies/${studyId}/forms?limit=200`),
  });
  const [events, setEvents] = useState<EventDraft[] | undefined>(undefined);
  useEffect(() => {
    if (events === undefined && schedule.data !== undefined) setEvents(schedule.data.events.map(draftOf));
  }, [events, schedule.data]);
  const save = useMutation({
    mutationFn: (body: { events: ScheduleEvent[] }) =>
      api<ScheduleView>('PUT', `/api/v1/studies/${studyId}/schedule`, body),
    onSuccess: (saved) => {
      client.setQueryData(['schedule', studyId], saved);
      setEvents(saved.events.map(draftOf));
    },
  });
  if (schedule.isError) return <ServerProblem error={schedule.error} />;
  if (events === undefined || forms.data === undefined) return <p>Loading…</p>;
  const formOids = [...new Set(forms.data.items.map((f) => f.oid))];
  const body = { events: events.map(toEvent) };
  const checked = scheduleDefinitionSchema.safeParse(body);
  const issues = checked.success
    ? []
    : checked.error.issues.map((i) => {
        const at = typeof i.path[1] === 'number' ? events[i.path[1]]?.oid || `event ${i.path[1] + 1}` : '';
        return `${at}${at ? ': ' : ''}${i.path.slice(2).join('.')}${i.path.length > 2 ? ' ' : ''}${i.message}`;
      });
  const set = (key: number, patch: Partial<EventDraft>) =>
    setEvents(events.map((e) => (e.key === key ? { ...e, ...patch } : e)));
  const move = (i: number, to: number) => {
    const copy = [...events];
    const [item] = copy.splice(i, 1);
    if (item !== undefined) copy.splice(to, 0, item);
    setEvents(copy);
  };
  return (
    <section className="schedule-editor">
      <h2>Visit schedule</h2>
      <p>
        <a href={`#/studies/${studyId}`}>Back to the study</a>
        {schedule.data !== undefined && schedule.data.version > 0 && (
          <span className="muted"> · version {schedule.data.version}</span>
        )}
      </p>
      {events.map((e, i) => (
        <fieldset key={e.key} className="event-editor">
          <legend>Event {i + 1}</legend>
          <div className="row">
            <span>
              <label htmlFor={`ev-${e.key}-name`}>Event name</label>
              <input
                id={`ev-${e.key}-name`}
                value={e.name}
                onChange={(x) => {
                  const name = x.target.value;
                  const auto = e.oid === '' || e.oid === eventOid(e.name);
                  set(e.key, auto ? { name, oid: eventOid(name) } : { name });
                }}
              />
            </span>
            <span>
              <label htmlFor={`ev-${e.key}-oid`}>Event OID</label>
              <input
                id={`ev-${e.key}-oid`}
                value={e.oid}
                onChange={(x) => set(e.key, { oid: x.target.value.toUpperCase() })}
              />
            </span>
            <span>
              <label htmlFor={`ev-${e.key}-kind`}>Kind</label>
              <select
                id={`ev-${e.key}-kind`}
                value={e.kind}
                onChange={(x) => set(e.key, { kind: x.target.value as EventKind })}
              >
                {EVENT_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {KIND_LABELS[k]}
                  </option>
                ))}
              </select>
            </span>
          </div>
          {(e.kind === 'scheduled' || e.kind === 'baseline') && (
            <div className="row">
              <span>
                <label htmlFor={`ev-${e.key}-day`}>Target day</label>
                <input
                  id={`ev-${e.key}-day`}
                  inputMode="numeric"
                  value={e.day}
                  onChange={(x) => set(e.key, { day: x.target.value })}
                />
              </span>
              <span>
                <label htmlFor={`ev-${e.key}-before`}>Days before</label>
                <input
                  id={`ev-${e.key}-before`}
                  inputMode="numeric"
                  value={e.windowBefore}
                  onChange={(x) => set(e.key, { windowBefore: x.target.value })}
                />
              </span>
              <span>
                <label htmlFor={`ev-${e.key}-after`}>Days after</label>
                <input
                  id={`ev-${e.key}-after`}
                  inputMode="numeric"
                  value={e.windowAfter}
                  onChange={(x) => set(e.key, { windowAfter: x.target.value })}
                />
              </span>
            </div>
          )}
          <fieldset className="event-forms">
            <legend>Forms at {e.name || 'this event'}</legend>
            {formOids.map((oid) => (
              <label key={oid} className="inline">
                <input
                  type="checkbox"
                  checked={e.forms.includes(oid)}
                  onChange={(x) =>
                    set(e.key, {
                      forms: x.target.checked ? [...e.forms, oid] : e.forms.filter((f) => f !== oid),
                    })
                  }
                />{' '}
                {oid}
              </label>
            ))}
          </fieldset>
          <div className="row">
            <button
              type="button"
              disabled={i === 0}
              onClick={() => move(i, i - 1)}
              aria-label={`Move ${e.oid} up`}
            >
              ↑
            </button>
            <button
              type="button"
              disabled={i === events.length - 1}
              onClick={() => move(i, i + 1)}
              aria-label={`Move ${e.oid} down`}
            >
              ↓
            </button>
            <button type="button" onClick={() => setEvents(events.filter((x) => x.key !== e.key))}>
              Remove event
            </button>
          </div>
        </fieldset>
      ))}
      <button
        type="button"
        onClick={() =>
          setEvents([
            ...events,
            {
              key: ++next,
              oid: '',
              name: '',
              kind: 'scheduled',
              day: '',
              windowBefore: '',
              windowAfter: '',
              forms: [],
            },
          ])
        }
      >
        Add event
      </button>
      {issues.length > 0 && (
        <ul className="error" aria-label="Schedule problems">
          {issues.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      <p>
        <button type="button" disabled={!checked.success || save.isPending} onClick={() => save.mutate(body)}>
          Save schedule
        </button>
        {save.isSuccess && <span role="status"> Saved: version {save.data.version}.</span>}
      </p>
      {save.isError && <ServerProblem error={save.error} />}
    </section>
  );
}
