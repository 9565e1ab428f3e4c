import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { FormVersion } from '../forms/forms-view.js';
import type { Page } from '../http/pagination.js';
import type { CheckpointView } from '../ledger/ledger-view.js';
import { type Participant, STATUS_LABELS } from '../participants/participants-view.js';
import type { HistoryEntry, RecordView } from '../records/records-view.js';
import type { Study, StudySummary } from '../studies/studies-view.js';
import { api } from './api.js';
import { DashboardStats } from './dashboard-stats.js';
import { Failure } from './failure.js';
import { entryText, FieldInput, FieldLabel, shown } from './field-input.js';
import { RecordActions } from './record-actions.js';
import { StudyTools } from './study-tools.js';
import { NOT_YOUR_ROLE, useMay, useMayReveal } from './use-may.js';
import { When } from './when.js';

export function Studies() {
  const studies = useQuery({
    queryKey: ['studies'],
    queryFn: () => api<Page<Study>>('GET', '/api/v1/studies'),
  });
  const checkpoint = useQuery({
    queryKey: ['checkpoint'],
    queryFn: () => api<CheckpointView>('GET', '/api/v1/ledger/checkpoint'),
    retry: false,
  });
  if (studies.isPending) return <p>Loading…</p>;
  if (studies.isError) return <Failure error={studies.error} />;
  return (
    <section>
      <h2>Studies</h2>
      {studies.data.items.length === 0 ? (
        <p>You have no study yet. An administrator grants access per study and site.</p>
      ) : (
        <ul className="cards">
          {studies.data.items.map((s) => (
            <li key={s.id}>
              <a href={`#/studies/${s.id}`}>
                <strong>{s.protocolId}</strong> {s.title}{' '}
                {s.isDemo && <span className="badge">demo data</span>}
              </a>
            </li>
          ))}
        </ul>
      )}
      <p className="muted">
        Audit ledger:{' '}
        {checkpoint.data === undefined
          ? 'no checkpoint yet'
          : `latest checkpoint covers ${checkpoint.data.size} events (${checkpoint.data.time})`}
      </p>
    </section>
  );
}

export function StudyPage({ studyId }: { studyId: string }) {
  const participants = useQuery({
    queryKey: ['participants', studyId],
    queryFn: () => api<Page<Participant>>('GET', `/api/v1/studies/${studyId}/participants?limit=500`),
  });
  const summary = useQuery({
    queryKey: ['summary', studyId],
    queryFn: () => api<StudySummary>('GET', `/api/v1/studies/${studyId}/summary`),
  });
  const checkpoint = useQuery({
    queryKey: ['checkpoint'],
    queryFn: () => api<CheckpointView>('GET', '/api/v1/ledger/checkpoint'),
    retry: false,
  });
  if (participants.isPending || summary.isPending) return <p>Loading…</p>;
  if (participants.isError) return <Failure error={participants.error} />;
  if (summary.isError) return <Failure error={summary.error} />;
  const missing = summary.data.forms.filter((f) => f.missing > 0);
  return (
    <section>
      <h2>Dashboard</h2>
      <StudyTools studyId={studyId} />
      <p>
        <a href={`#/enrolment/${studyId}`}>Enrolment: enrol, screen-fail, withdraw, look up</a>
      </p>
      <DashboardStats
        participants={participants.data.items}
        summary={summary.data}
        checkpoint={checkpoint.data}
      />
      <table>
        <caption>Enrolment per site</caption>
        <thead>
          <tr>
            <th scope="col">Site</th>
            <th scope="col">Participants</th>
          </tr>
        </thead>
        <tbody>
          {summary.data.sites.map((s) => (
            <tr key={s.code}>
              <td>
                {s.code} {s.name}
              </td>
              <td>{s.participants}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table>
        <caption>Forms missing per visit</caption>
        <thead>
          <tr>
            <th scope="col">Visit</th>
            <th scope="col">Form</th>
            <th scope="col">Entered</th>
            <th scope="col">Missing</th>
          </tr>
        </thead>
        <tbody>
          {missing.length === 0 ? (
            <tr>
              <td colSpan={4}>Nothing missing.</td>
            </tr>
          ) : (
            missing.map((f) => (
              <tr key={`${f.visit}-${f.form}`}>
                <td>{f.visit}</td>
                <td>{f.form}</td>
                <td>{f.entered}</td>
                <td>{f.missing}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <h2>Participants</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Subject</th>
            <th scope="col">Site</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {participants.data.items.map((p) => (
            <tr key={p.id}>
              <td>
                <a href={`#/participants/${p.id}`}>{p.subjectId}</a>
              </td>
              <td>{p.siteCode}</td>
              <td>{STATUS_LABELS[p.status]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function RecordPage({ recordId }: { recordId: string }) {
  const client = useQueryClient();
  const may = useMay();
  const reveals = useMayReveal();
  const [reveal, setReveal] = useState(false);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [reason, setReason] = useState('');
  const record = useQuery({
    queryKey: ['record', recordId, reveal],
    queryFn: () => api<RecordView>('GET', `/api/v1/records/${recordId}${reveal ? '?reveal=true' : ''}`),
  });
  const history = useQuery({
    queryKey: ['history', recordId],
    queryFn: () => api<Page<HistoryEntry>>('GET', `/api/v1/records/${recordId}/history`),
  });
  const form = useQuery({
    queryKey: ['form', record.data?.studyId, record.data?.form],
    enabled: record.data !== undefined,
    queryFn: () =>
      api<FormVersion>('GET', `/api/v1/studies/${record.data?.studyId}/forms/${record.data?.form}`),
  });
  const save = useMutation({
    mutationFn: () => {
      const changes: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(draft)) changes[k] = v === '' ? null : v;
      return api<RecordView>('PUT', `/api/v1/records/${recordId}`, {
        changes,
        reason,
        expectedVersion: record.data?.version,
      });
    },
    onSuccess: async () => {
      setDraft({});
      setReason('');
      await client.invalidateQueries({ queryKey: ['record', recordId] });
      await client.invalidateQueries({ queryKey: ['history', recordId] });
    },
  });
  if (record.isPending) return <p>Loading…</p>;
  if (record.isError) return <Failure error={record.error} />;
  const r = record.data;
  const fields = form.data?.definition.fields ?? [];
  const changed = Object.keys(draft).length > 0;
  // A role that may not enter data sees the values, not inputs it could not save (issue #15 item 8).
  const writes = may('record.write', r.studyId);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <section>
      <h2>
        {form.data?.definition.name ?? r.form} · {r.visit} · {r.subjectId}
      </h2>
      <p>
        Version {r.version}
        {r.locked ? ' · locked' : ''}{' '}
        {!reveal && fields.some((f) => r.masked.includes(f.oid) && reveals(f.class, r.studyId)) && (
          <button type="button" onClick={() => setReveal(true)}>
            Reveal protected values (audited)
          </button>
        )}
      </p>
      <form onSubmit={submit} aria-label="Data entry">
        {fields.map((f) => {
          const current = r.values[f.oid];
          const masked = r.masked.includes(f.oid);
          const value = draft[f.oid] ?? entryText(current);
          const id = `field-${f.oid}`;
          return (
            <div className="field" key={f.oid}>
              <FieldLabel field={f} id={id} />
              {masked ? (
                <output id={id}>••••••</output>
              ) : r.unavailable.includes(f.oid) ? (
                <output id={id}>(erased)</output>
              ) : (
                <FieldInput
                  field={f}
                  id={id}
                  value={value}
                  disabled={r.locked || !writes}
                  onChange={(v) => setDraft({ ...draft, [f.oid]: v })}
                />
              )}
            </div>
          );
        })}
        {changed && (
          <div className="field">
            <label htmlFor="reason">Reason for change (required; no names or identifiers)</label>
            <input
              id="reason"
              required
              minLength={3}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </div>
        )}
        {writes ? (
          <button type="submit" disabled={!changed || r.locked}>
            Save new version
          </button>
        ) : (
          <p className="muted" title={NOT_YOUR_ROLE}>
            Your role reads this record and may not change it.
          </p>
        )}
        {save.isError && <Failure error={save.error} />}
      </form>
      <RecordActions recordId={recordId} studyId={r.studyId} locked={r.locked} version={r.version} />
      <h3>History</h3>
      {history.isSuccess && (
        <table aria-label="Record history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {history.data.items.map((h) => (
              <tr key={`${h.action}-${h.version}-${h.at}`}>
                <td>
                  <When at={h.at} />
                </td>
                <td title={h.actor}>{h.actorName}</td>
                <td>
                  {h.action === 'lock' || h.action === 'unlock'
                    ? h.action
                    : h.changes.map((c) => (
                        <div key={c.field}>
                          {c.field}: {shown(c.old)} → {shown(c.new)}
                        </div>
                      ))}
                </td>
                <td>{h.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
