import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { RecordTrail } from '../audit/audit-view.js';
import type { Page } from '../http/pagination.js';
import type { Signature } from '../signatures/signatures-view.js';
import { api, failureMessage } from './api.js';
import { useMay } from './use-may.js';
import { When } from './when.js';

/** Lock and unlock (unlocking asks for a reason), electronic signatures, and the record's audit trail. */
export function RecordActions({
  recordId,
  studyId,
  locked,
  version,
}: {
  recordId: string;
  studyId: string;
  locked: boolean;
  version: number;
}) {
  const client = useQueryClient();
  // Lock, unlock and sign are offered only to roles that may (issue #15 item 8); the server decides.
  const may = useMay(studyId);
  const refresh = async () => {
    await client.invalidateQueries({ queryKey: ['record', recordId] });
    await client.invalidateQueries({ queryKey: ['history', recordId] });
    await client.invalidateQueries({ queryKey: ['signatures', recordId] });
    await client.invalidateQueries({ queryKey: ['audit', recordId] });
  };
  const [unlockReason, setUnlockReason] = useState('');
  const [meaning, setMeaning] = useState('reviewed');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [showAudit, setShowAudit] = useState(false);
  const lock = useMutation({
    mutationFn: () => api('POST', `/api/v1/records/${recordId}/lock`, {}),
    onSuccess: refresh,
  });
  const unlock = useMutation({
    mutationFn: () => api('POST', `/api/v1/records/${recordId}/unlock`, { reason: unlockReason }),
    onSuccess: refresh,
  });
  const sign = useMutation({
    mutationFn: () =>
      api('POST', `/api/v1/records/${recordId}/signatures`, {
        meaning,
        password,
        ...(totp === '' ? {} : { totp }),
      }),
    onSuccess: async () => {
      setPassword('');
      setTotp('');
      await refresh();
    },
  });
  const signatures = useQuery({
    queryKey: ['signatures', recordId, version],
    queryFn: () => api<Page<Signature>>('GET', `/api/v1/records/${recordId}/signatures`),
  });
  const audit = useQuery({
    queryKey: ['audit', recordId],
    enabled: showAudit && may('audit.read'),
    queryFn: () => api<RecordTrail>('GET', `/api/v1/records/${recordId}/audit`),
  });
  const submitSign = (event: FormEvent) => {
    event.preventDefault();
    sign.mutate();
  };
  const submitUnlock = (event: FormEvent) => {
    event.preventDefault();
    unlock.mutate();
  };
  return (
    <section aria-label="Record actions">
      <h3>Lock</h3>
      <p className="muted">{locked ? 'Locked.' : 'Not locked.'}</p>
      {locked && may('record.unlock') ? (
        <form onSubmit={submitUnlock} aria-label="Unlock">
          <label htmlFor="unlock-reason">Reason for unlocking</label>
          <input
            id="unlock-reason"
            required
            minLength={3}
            value={unlockReason}
            onChange={(e) => setUnlockReason(e.target.value)}
          />
          <button type="submit">Unlock</button>
        </form>
      ) : (
        !locked &&
        may('record.lock') && (
          <button type="button" onClick={() => lock.mutate()}>
            Lock record
          </button>
        )
      )}
      {(lock.isError || unlock.isError) && (
        <p role="alert" className="error">
          {failureMessage(lock.error ?? unlock.error)}
        </p>
      )}
      <h3>Signatures</h3>
      {signatures.isSuccess && signatures.data.items.length === 0 && <p className="muted">Not signed.</p>}
      {signatures.isSuccess && signatures.data.items.length > 0 && (
        <ul aria-label="Signatures">
          {signatures.data.items.map((s) => (
            <li key={s.id}>
              {s.printedName}, {s.meaning}, {s.signedAt} (version {s.recordVersion}){' '}
              {s.valid ? (
                <span className="badge ok">valid</span>
              ) : (
                <span className="badge">invalid: the record changed after signing</span>
              )}
            </li>
          ))}
        </ul>
      )}
      {may('record.sign') && (
        <form onSubmit={submitSign} aria-label="Sign">
          <label htmlFor="meaning">Meaning of the signature</label>
          <select id="meaning" value={meaning} onChange={(e) => setMeaning(e.target.value)}>
            <option value="authored">Authored</option>
            <option value="reviewed">Reviewed</option>
            <option value="approved">Approved</option>
          </select>
          <label htmlFor="sign-password">Your password</label>
          <input
            id="sign-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <label htmlFor="sign-totp">Authenticator code (the first signing in a session)</label>
          <input
            id="sign-totp"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={totp}
            onChange={(e) => setTotp(e.target.value)}
          />
          <button type="submit">Sign</button>
        </form>
      )}
      {sign.isError && (
        <p role="alert" className="error">
          {failureMessage(sign.error)}
        </p>
      )}
      {may('audit.read') && <h3>Audit trail</h3>}
      {!may('audit.read') ? null : !showAudit ? (
        <button type="button" onClick={() => setShowAudit(true)}>
          Show the audit trail
        </button>
      ) : audit.isError ? (
        <p role="alert" className="error">
          {failureMessage(audit.error)}
        </p>
      ) : (
        <table aria-label="Audit trail">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {(audit.data?.events ?? []).map((e) => (
              <tr key={e.seq}>
                <td>{e.seq}</td>
                <td>
                  <When at={e.at} />
                </td>
                <td title={e.actor}>{e.actorName}</td>
                <td>{e.action}</td>
                <td>{e.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
