import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { DeviceView, Registration, Series } from '../devices/devices-view.js';
import type { Page } from '../http/pagination.js';
import { api, failureMessage } from './api.js';

const METRIC_LABELS: Record<string, string> = {
  heart_rate: 'Heart rate',
  spo2: 'SpO2',
  glucose: 'Glucose',
  systolic_bp: 'Systolic BP',
  diastolic_bp: 'Diastolic BP',
  temperature: 'Temperature',
  steps: 'Steps',
};
const when = (iso: string | null) => (iso === null ? 'never' : iso.slice(0, 19).replace('T', ' '));

/** Wearables of one participant: devices with status and flags, register, suspend or revoke, and charts. */
export function TelemetryPanel({ participantId }: { participantId: string }) {
  const client = useQueryClient();
  const devices = useQuery({
    queryKey: ['devices', participantId],
    queryFn: () => api<Page<DeviceView>>('GET', `/api/v1/participants/${participantId}/devices`),
    retry: false,
  });
  const [form, setForm] = useState({ model: '', serial: '', firmware: '' });
  const [code, setCode] = useState('');
  const registered = useMutation({
    mutationFn: () =>
      api<Registration>('POST', `/api/v1/participants/${participantId}/devices`, {
        ...form,
        metrics: ['heart_rate', 'spo2', 'glucose', 'temperature', 'steps'],
      }),
    onSuccess: async (r) => {
      setCode(`${r.enrollmentCode} (valid until ${when(r.expiresAt)} UTC)`);
      await client.invalidateQueries({ queryKey: ['devices', participantId] });
    },
  });
  const [reason, setReason] = useState('');
  const status = useMutation({
    mutationFn: (change: { id: string; status: string }) =>
      api('POST', `/api/v1/devices/${change.id}/status`, { status: change.status, reason }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['devices', participantId] }),
  });
  if (devices.isError) return <p className="muted">Wearables: {failureMessage(devices.error)}</p>;
  const items = devices.data?.items ?? [];
  const metrics = [...new Set(items.flatMap((d) => d.metrics))];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    registered.mutate();
  };
  return (
    <>
      <h3>Wearables</h3>
      {items.length === 0 ? (
        <p className="muted">No device registered for this participant.</p>
      ) : (
        <table aria-label="Devices">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Status</th>
              <th scope="col">Last upload (UTC)</th>
              <th scope="col">Accepted / refused</th>
              <th scope="col">Quarantined samples</th>
              <th scope="col">Last flags</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id}>
                <td>
                  {d.model} <span className="muted">fw {d.firmware}</span>
                </td>
                <td>
                  <span className={d.status === 'active' ? 'badge ok' : 'badge'}>{d.status}</span>
                </td>
                <td>{when(d.lastUploadAt)}</td>
                <td>
                  {d.uploadsAccepted} / {d.uploadsRefused}
                </td>
                <td>{d.samplesQuarantined}</td>
                <td>{d.lastFlags.length === 0 ? '—' : d.lastFlags.join(', ')}</td>
                <td>
                  {d.status === 'active' && (
                    <button
                      type="button"
                      disabled={reason.length < 3}
                      onClick={() => status.mutate({ id: d.id, status: 'suspended' })}
                    >
                      Suspend
                    </button>
                  )}
                  {d.status === 'suspended' && (
                    <button
                      type="button"
                      disabled={reason.length < 3}
                      onClick={() => status.mutate({ id: d.id, status: 'active' })}
                    >
                      Resume
                    </button>
                  )}
                  {d.status !== 'revoked' && (
                    <button
                      type="button"
                      disabled={reason.length < 3}
                      onClick={() => status.mutate({ id: d.id, status: 'revoked' })}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items.length > 0 && (
        <>
          <label htmlFor="device-reason">Reason for a status change</label>
          <input id="device-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        </>
      )}
      {status.isError && (
        <p role="alert" className="error">
          {failureMessage(status.error)}
        </p>
      )}
      <details>
        <summary>Register a device</summary>
        <form onSubmit={submit} aria-label="Register a device">
          <label htmlFor="device-model">Model</label>
          <input
            id="device-model"
            required
            value={form.model}
            onChange={(e) => setForm({ ...form, model: e.target.value })}
          />
          <label htmlFor="device-serial">Serial number (stored encrypted)</label>
          <input
            id="device-serial"
            required
            value={form.serial}
            onChange={(e) => setForm({ ...form, serial: e.target.value })}
          />
          <label htmlFor="device-firmware">Firmware</label>
          <input
            id="device-firmware"
            required
            value={form.firmware}
            onChange={(e) => setForm({ ...form, firmware: e.target.value })}
          />
          <button type="submit">Register and get an enrollment code</button>
        </form>
        {code !== '' && (
          <p role="status">
            Enrollment code, shown once: <code>{code}</code>
          </p>
        )}
        {registered.isError && (
          <p role="alert" className="error">
            {failureMessage(registered.error)}
          </p>
        )}
      </details>
      {metrics.map((m) => (
        <SeriesChart key={m} participantId={participantId} metric={m} />
      ))}
    </>
  );
}

const W = 720;
const H = 180;
const PAD = 36;

/** One metric over the last 24 hours: a line of accepted values, quarantined ones as red dots with why. */
function SeriesChart({ participantId, metric }: { participantId: string; metric: string }) {
  const series = useQuery({
    queryKey: ['series', participantId, metric],
    queryFn: () =>
      api<Series>('GET', `/api/v1/participants/${participantId}/telemetry?metric=${metric}&points=600`),
  });
  const label = METRIC_LABELS[metric] ?? metric;
  if (series.isPending) return <p>Loading {label}…</p>;
  if (series.isError)
    return (
      <p className="muted">
        {label}: {failureMessage(series.error)}
      </p>
    );
  const s = series.data;
  if (s.total === 0 && s.quarantined.length === 0)
    return <p className="muted">{label}: no data in the last 24 hours.</p>;
  const values = [...s.points.map((p) => p[1]), ...s.quarantined.map((q) => q.v)];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const times = [...s.points.map((p) => p[0]), ...s.quarantined.map((q) => q.t)];
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (t: number) => PAD + ((t - t0) / (t1 - t0 || 1)) * (W - 2 * PAD);
  const y = (v: number) => H - PAD / 2 - ((v - lo) / span) * (H - PAD);
  const line = s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <figure className="chart">
      <figcaption>
        {label} ({s.unit}): {s.total} accepted samples
        {s.downsampled ? ' (min and max per interval shown)' : ''}, {s.quarantined.length} quarantined
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${label}: ${s.total} samples, ${s.quarantined.length} quarantined`}
      >
        <line x1={PAD} y1={H - PAD / 2} x2={W - PAD} y2={H - PAD / 2} stroke="#9aa5b1" />
        <text x={4} y={y(hi) + 4} fontSize="11" fill="#52606d">
          {hi}
        </text>
        <text x={4} y={y(lo) + 4} fontSize="11" fill="#52606d">
          {lo}
        </text>
        <polyline points={line} fill="none" stroke="#15355c" strokeWidth="1.5" />
        {s.quarantined.map((q) => (
          <circle key={q.t} cx={x(q.t)} cy={y(q.v)} r="4" fill="#c0392b">
            <title>{`${new Date(q.t).toISOString().slice(11, 19)} UTC: ${q.v} (quarantined: ${q.flags.join(', ')})`}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}
