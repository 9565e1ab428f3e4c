import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import {
  DATE_TREATMENT_LABELS,
  type ExportPreviewView,
  type ExportReportView,
  type RequestView,
  type RiskReportView,
} from '../../export/export-view.js';
import type { FormVersion } from '../../forms/forms-view.js';
import type { Page } from '../../http/pagination.js';
import type { Study } from '../../studies/studies-view.js';
import { ApiFailure, api, failureMessage } from '../api.js';
import { NotYourRole, useMay } from '../use-may.js';
import { Queue, Reauth } from './export-queue.js';

type Profile = 'deidentified' | 'limited' | 'identified';
/** De-identified dates: Safe Harbor (years only) unless an expert determination covers shifted dates. */
type Dates = 'year' | 'shift';
const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** #/exports: pick the study to export from. */
export function ExportStudies() {
  const studies = useQuery({
    queryKey: ['studies'],
    queryFn: () => api<Page<Study>>('GET', '/api/v1/studies'),
  });
  if (studies.isPending) return <p>Loading…</p>;
  if (studies.isError) return <p className="error">{failureMessage(studies.error)}</p>;
  return (
    <section>
      <h2>Exports</h2>
      <ul className="cards">
        {studies.data.items.map((s) => (
          <li key={s.id}>
            <a href={`#/exports/${s.id}`}>
              <strong>{s.protocolId}</strong> {s.title}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function RiskReport({ risk }: { risk: RiskReportView }) {
  return (
    <section className={risk.passed ? undefined : 'error'} aria-label="Risk report">
      <h3>Re-identification risk</h3>
      <p>
        k = <strong>{risk.k}</strong> (threshold {risk.threshold}) — {risk.passed ? 'passes' : 'refused'}
      </p>
      <p>
        {risk.participants} participants in {risk.classes} classes; {risk.atRisk} at risk. Quasi-identifiers:{' '}
        {risk.quasiIdentifiers.join(', ') || 'none'}.
      </p>
      {risk.suggestion !== undefined && (
        <p>
          Suppressing {risk.suggestion.suppress} would give k = {risk.suggestion.k}.
        </p>
      )}
    </section>
  );
}

function Preview({ preview }: { preview: ExportPreviewView }) {
  return (
    <div className="table-scroll">
      <table>
        <caption>
          First {preview.rows.length} rows as {preview.recipient} will see them ({preview.profile}) —{' '}
          {DATE_TREATMENT_LABELS[preview.dates as keyof typeof DATE_TREATMENT_LABELS] ?? preview.dates}
        </caption>
        <thead>
          <tr>
            <th scope="col">Subject</th>
            <th scope="col">Site</th>
            <th scope="col">Event</th>
            <th scope="col">Form</th>
            <th scope="col">Values</th>
          </tr>
        </thead>
        <tbody>
          {preview.rows.map((r) => (
            <tr key={`${r.subject}-${r.event}-${r.form}`}>
              <td>{r.subject}</td>
              <td>{r.site ?? '—'}</td>
              <td>{r.event}</td>
              <td>{r.form}</td>
              <td>
                {Object.entries(r.values)
                  .map(([k, v]) => `${k}=${v === null ? '' : String(v)}`)
                  .join('; ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Each file downloads once (the server refuses a second time): the button goes after the first. */
function Files({ report }: { report: ExportReportView }) {
  const [done, setDone] = useState<Set<string>>(new Set());
  const [problem, setProblem] = useState<string>();
  const download = async (name: string) => {
    const response = await fetch(`/api/v1/exports/${report.exportId}/files/${encodeURIComponent(name)}`, {
      credentials: 'same-origin',
    });
    if (!response.ok) return setProblem('The file is gone (downloaded once already, or expired).');
    const url = URL.createObjectURL(await response.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    URL.revokeObjectURL(url);
    setDone(new Set([...done, name]));
  };
  return (
    <div>
      <h3>Files (each downloads once, until {report.expiresAt})</h3>
      <ul>
        {report.files.map((f) => (
          <li key={f.name}>
            <code>{f.name}</code> {f.bytes} bytes, sha256 <code>{f.sha256.slice(0, 16)}…</code>{' '}
            <button type="button" disabled={done.has(f.name)} onClick={() => download(f.name)}>
              {done.has(f.name) ? 'Downloaded' : 'Download'}
            </button>
          </li>
        ))}
      </ul>
      {problem !== undefined && <p className="error">{problem}</p>}
    </div>
  );
}

function Elapsed() {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setSeconds((s) => s + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <p role="status">
      <progress aria-label="Export in progress" /> Exporting… {seconds} s
    </p>
  );
}

/** #/exports/STUDY: profile, forms and events, recipient and purpose; preview, risk report, queue. */
export function ExportPage({ studyId }: { studyId: string }) {
  // Exporting is offered to roles with export.run, an identified export to those with
  // export.identified; an approver without them sees the queue only (issue #15 item 8).
  const may = useMay(studyId);
  const [profile, setProfile] = useState<Profile>('deidentified');
  const [format, setFormat] = useState('csv');
  const [dates, setDates] = useState<Dates>('year');
  const [recipient, setRecipient] = useState('');
  const [purpose, setPurpose] = useState('');
  const [suppress, setSuppress] = useState('');
  const [events, setEvents] = useState('');
  const [chosenForms, setChosenForms] = useState<Set<string>>(new Set());
  const forms = useQuery({
    queryKey: ['forms', studyId],
    queryFn: () => api<Page<FormVersion>>('GET', `/api/v1/studies/${studyId}/forms?limit=200`),
  });
  const oids = [...new Set((forms.data?.items ?? []).filter((f) => f.status === 'live').map((f) => f.oid))];
  const body = () => ({
    profile,
    ...(profile === 'deidentified' ? { dates } : {}),
    format,
    ...(recipient.trim() === '' ? {} : { recipient: recipient.trim() }),
    ...(purpose.trim() === '' ? {} : { purpose: purpose.trim() }),
    ...(list(suppress).length === 0 ? {} : { suppress: list(suppress) }),
    ...(chosenForms.size === 0 ? {} : { forms: [...chosenForms] }),
    ...(list(events).length === 0 ? {} : { events: list(events) }),
  });
  const preview = useMutation({
    mutationFn: () =>
      api<ExportPreviewView>('POST', `/api/v1/studies/${studyId}/export-previews?limit=10`, body()),
  });
  const run = useMutation({
    mutationFn: (approved?: RequestView) =>
      api<ExportReportView>(
        'POST',
        `/api/v1/studies/${studyId}/exports`,
        approved === undefined
          ? body()
          : {
              profile: 'identified',
              format: approved.format,
              recipient: approved.recipient,
              purpose: approved.purpose,
              request: approved.id,
            },
      ),
  });
  const client = useQueryClient();
  const ask = useMutation({
    mutationFn: (v: { password: string; totp: string }) =>
      api<RequestView>('POST', `/api/v1/studies/${studyId}/export-requests`, {
        format,
        recipient: recipient.trim(),
        purpose: purpose.trim(),
        password: v.password,
        ...(v.totp === '' ? {} : { totp: v.totp }),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['export-requests', studyId] }),
  });
  // A refused export or preview (k below the study's threshold) answers its risk report.
  const refusal = run.error ?? preview.error;
  const refusedRisk =
    refusal instanceof ApiFailure ? (refusal.error.details?.risk as RiskReportView | undefined) : undefined;
  return (
    <section>
      <h2>Export</h2>
      {!may('export.run') && <NotYourRole what="make an export" />}
      {may('export.run') && (
        <div className="field">
          <label>
            Profile{' '}
            <select value={profile} onChange={(e) => setProfile(e.target.value as Profile)}>
              <option value="deidentified">De-identified</option>
              <option value="limited">Limited data set (needs a DUA)</option>
              {may('export.identified') && <option value="identified">Identified (dual control)</option>}
            </select>
          </label>{' '}
          {profile === 'deidentified' && (
            <label>
              Dates{' '}
              <select value={dates} onChange={(e) => setDates(e.target.value as Dates)}>
                <option value="year">Year only (HIPAA Safe Harbor)</option>
                <option value="shift">Shifted (expert determination)</option>
              </select>
            </label>
          )}{' '}
          <label>
            Format{' '}
            <select value={format} onChange={(e) => setFormat(e.target.value)}>
              <option value="csv">CSV (+ dictionary, SAS, R)</option>
              <option value="odm">CDISC ODM 1.3.2</option>
              <option value="fhir">FHIR R4 NDJSON</option>
            </select>
          </label>
          <fieldset>
            <legend>Forms (none ticked: all)</legend>
            {oids.map((oid) => (
              <label key={oid}>
                <input
                  type="checkbox"
                  checked={chosenForms.has(oid)}
                  onChange={(e) => {
                    const next = new Set(chosenForms);
                    if (e.target.checked) next.add(oid);
                    else next.delete(oid);
                    setChosenForms(next);
                  }}
                />{' '}
                {oid}{' '}
              </label>
            ))}
          </fieldset>
          <label>
            Events (comma-separated; empty: all){' '}
            <input value={events} onChange={(e) => setEvents(e.target.value)} />
          </label>
          <label>
            Recipient <input value={recipient} onChange={(e) => setRecipient(e.target.value)} />
          </label>
          <label>
            Purpose <input value={purpose} onChange={(e) => setPurpose(e.target.value)} />
          </label>
          <label>
            Suppress (quasi-identifiers){' '}
            <input value={suppress} onChange={(e) => setSuppress(e.target.value)} />
          </label>
          {profile !== 'identified' ? (
            <p>
              <button type="button" onClick={() => preview.mutate()}>
                Preview
              </button>{' '}
              <button type="button" disabled={run.isPending} onClick={() => run.mutate(undefined)}>
                Run export
              </button>
            </p>
          ) : (
            <div>
              <p className="muted">
                An identified export is requested here, approved by a second person with another role, then
                made once. It has no preview.
              </p>
              <Reauth
                label="Request approval"
                onSubmit={(password, totp) => ask.mutate({ password, totp })}
              />
              {ask.isError && <p className="error">{failureMessage(ask.error)}</p>}
              {ask.data !== undefined && (
                <p role="status">
                  Requested; waiting for approval by a second person with another role.{' '}
                  <button type="button" onClick={() => run.mutate(ask.data)}>
                    Make the export once approved
                  </button>
                </p>
              )}
            </div>
          )}
        </div>
      )}
      {preview.isError && <p className="error">{failureMessage(preview.error)}</p>}
      {preview.data !== undefined && <Preview preview={preview.data} />}
      {run.isPending && <Elapsed />}
      {run.isError && <p className="error">{failureMessage(run.error)}</p>}
      {refusedRisk !== undefined && <RiskReport risk={refusedRisk} />}
      {run.data !== undefined && (
        <section aria-label="Export report">
          <p role="status">
            Export {run.data.exportId}: {run.data.rows} rows for {run.data.recipient}.
          </p>
          <p>
            {DATE_TREATMENT_LABELS[run.data.dates as keyof typeof DATE_TREATMENT_LABELS] ?? run.data.dates}.
          </p>
          <RiskReport risk={run.data.risk} />
          <Files report={run.data} />
        </section>
      )}
      <Queue studyId={studyId} onUse={(r) => run.mutate(r)} />
    </section>
  );
}
