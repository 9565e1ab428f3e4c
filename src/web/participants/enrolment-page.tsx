import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { Page } from '../../http/pagination.js';
import {
  type Participant,
  type ParticipantStatus,
  STATUS_LABELS,
} from '../../participants/participants-view.js';
import type { Site } from '../../studies/studies-view.js';
import { api, failureMessage } from '../api.js';
import { useMay } from '../use-may.js';

type Change = { participant: Participant; to: 'withdrawn' | 'screen_failed' } | undefined;

/**
 * A screen failure is offered in screening; the server also takes one for an enrolled participant not
 * yet randomised (the API), and refuses it after randomisation (CONFLICT).
 */
const SCREEN_FAILS: readonly ParticipantStatus[] = ['screening'];
const WITHDRAWS: readonly ParticipantStatus[] = ['screening', 'enrolled'];

/**
 * Enrolment (issue #15 item 6, #/enrolment/STUDY): enrol at one of the caller's sites (the subject id is
 * assigned per site by the server), screen-fail or withdraw with a reason, and look a participant up
 * by an identifier (the blind index: exact match, audited). The API scopes everything to the caller's
 * sites; this page only offers those, and only the actions the caller's roles allow (issue #15 item 8).
 */
export function EnrolmentPage({ studyId }: { studyId: string }) {
  const client = useQueryClient();
  const may = useMay(studyId);
  const base = `/api/v1/studies/${encodeURIComponent(studyId)}`;
  const sites = useQuery({
    queryKey: ['sites', studyId],
    queryFn: () => api<Page<Site>>('GET', `${base}/sites`),
  });
  const list = useQuery({
    queryKey: ['participants', studyId],
    queryFn: () => api<Page<Participant>>('GET', `${base}/participants?limit=500`),
  });
  const [site, setSite] = useState('');
  const [screening, setScreening] = useState(true);
  const [change, setChange] = useState<Change>(undefined);
  const [reason, setReason] = useState('');
  const [kind, setKind] = useState('mrn');
  const [value, setValue] = useState('');
  const refresh = async () => {
    await client.invalidateQueries({ queryKey: ['participants', studyId] });
    await client.invalidateQueries({ queryKey: ['summary', studyId] });
  };
  const enrol = useMutation({
    mutationFn: () =>
      api<Participant>('POST', `${base}/participants`, {
        site: site || sites.data?.items[0]?.code,
        ...(screening ? { status: 'screening' } : {}),
      }),
    onSettled: refresh,
  });
  const setStatus = useMutation({
    mutationFn: (c: NonNullable<Change>) =>
      api<Participant>('POST', `/api/v1/participants/${encodeURIComponent(c.participant.id)}/status`, {
        status: c.to,
        reason,
      }),
    onSuccess: () => {
      setChange(undefined);
      setReason('');
    },
    onSettled: refresh,
  });
  const lookup = useMutation({
    mutationFn: () => api<{ items: Participant[] }>('POST', `${base}/participants/lookup`, { kind, value }),
  });
  const submitLookup = (event: FormEvent) => {
    event.preventDefault();
    lookup.mutate();
  };
  return (
    <section>
      <h1>Enrolment</h1>
      {sites.isError && <p className="error">{failureMessage(sites.error)}</p>}
      {may('participant.create') && (
        <form
          className="inline-form"
          aria-label="Enrol a participant"
          onSubmit={(e) => {
            e.preventDefault();
            enrol.mutate();
          }}
        >
          <label htmlFor="enrol-site">Site</label>
          <select id="enrol-site" value={site} onChange={(e) => setSite(e.target.value)}>
            {(sites.data?.items ?? []).map((s) => (
              <option key={s.id} value={s.code}>
                {s.code} {s.name}
              </option>
            ))}
          </select>
          <label>
            <input type="checkbox" checked={screening} onChange={(e) => setScreening(e.target.checked)} />{' '}
            Start in screening
          </label>
          <button type="submit">Enrol</button>
          {enrol.isSuccess && <p role="status">Enrolled {enrol.data.subjectId}.</p>}
          {enrol.isError && <p className="error">{failureMessage(enrol.error)}</p>}
        </form>
      )}
      {change !== undefined && (
        <form
          className="inline-form"
          aria-label="Confirm the status change"
          onSubmit={(e) => {
            e.preventDefault();
            setStatus.mutate(change);
          }}
        >
          <p>
            {change.to === 'screen_failed' ? 'Screen-fail' : 'Withdraw'} {change.participant.subjectId}?
          </p>
          <label htmlFor="status-reason">Reason (no identifiers)</label>
          <input
            id="status-reason"
            required
            minLength={3}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <button type="submit">Confirm</button>
          <button type="button" onClick={() => setChange(undefined)}>
            Cancel
          </button>
          {setStatus.isError && <p className="error">{failureMessage(setStatus.error)}</p>}
        </form>
      )}
      {list.isError && <p className="error">{failureMessage(list.error)}</p>}
      <table>
        <caption>Participants at your sites</caption>
        <thead>
          <tr>
            <th scope="col">Subject</th>
            <th scope="col">Site</th>
            <th scope="col">Status</th>
            {may('participant.status') && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {(list.data?.items ?? []).map((p) => (
            <tr key={p.id}>
              <td>
                <a href={`#/participants/${p.id}`}>{p.subjectId}</a>
              </td>
              <td>{p.siteCode}</td>
              <td>{STATUS_LABELS[p.status]}</td>
              {may('participant.status') && (
                <td>
                  {SCREEN_FAILS.includes(p.status) && (
                    <button type="button" onClick={() => setChange({ participant: p, to: 'screen_failed' })}>
                      Screen-fail {p.subjectId}
                    </button>
                  )}
                  {WITHDRAWS.includes(p.status) && (
                    <button type="button" onClick={() => setChange({ participant: p, to: 'withdrawn' })}>
                      Withdraw {p.subjectId}
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {may('participant.lookup') && (
        <>
          <h2>Look up by identifier</h2>
          <form className="inline-form" aria-label="Look up a participant" onSubmit={submitLookup}>
            <label htmlFor="lookup-kind">Identifier</label>
            <select id="lookup-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
              <option value="mrn">MRN</option>
              <option value="email">E-mail</option>
              <option value="phone">Phone</option>
            </select>
            <label htmlFor="lookup-value">Exact value</label>
            <input id="lookup-value" required value={value} onChange={(e) => setValue(e.target.value)} />
            <button type="submit">Look up</button>
          </form>
          {lookup.isError && <p className="error">{failureMessage(lookup.error)}</p>}
          {lookup.isSuccess && (
            <ul aria-label="Lookup matches">
              {lookup.data.items.length === 0 && <li>No participant at your sites has this identifier.</li>}
              {lookup.data.items.map((p) => (
                <li key={p.id}>
                  <a href={`#/participants/${p.id}`}>{p.subjectId}</a> ({p.siteCode},{' '}
                  {STATUS_LABELS[p.status]})
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
