import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { DeviceView, Registration } from '../devices/devices-view.js';
import type { Page } from '../http/pagination.js';
import { api, failureMessage } from './api.js';
import { SeriesChart } from './telemetry/series-chart.js';
import { useMay } from './use-may.js';

const when = (iso: string | null) => (iso === null ? 'never' : iso.slice(0, 19).replace('T', ' '));

/** Wearables of one participant: devices with status and flags, register, suspend or revoke, and charts. */
export function TelemetryPanel({ participantId, studyId }: { participantId: string; studyId: string }) {
  const client = useQueryClient();
  // Registering and changing devices only for roles with device.manage (issue #15 item 8).
  const manages = useMay(studyId)('device.manage');
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
              {manages && <th scope="col">Change</th>}
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
                {manages && (
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
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manages && items.length > 0 && (
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
      {manages && (
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
      )}
      {metrics.map((m) => (
        <SeriesChart key={m} participantId={participantId} metric={m} />
      ))}
    </>
  );
}
