import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { Me } from '../../access/access-view.js';
import type { RequestView } from '../../export/export-view.js';
import { api, failureMessage } from '../api.js';
import { useMay } from '../use-may.js';

export function Reauth({
  label,
  onSubmit,
}: {
  label: string;
  onSubmit: (password: string, totp: string) => void;
}) {
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  return (
    <form
      aria-label={label}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onSubmit(password, totp);
      }}
    >
      <label>
        Password <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>{' '}
      <label>
        Code <input inputMode="numeric" value={totp} onChange={(e) => setTotp(e.target.value)} size={8} />
      </label>{' '}
      <button type="submit">{label}</button>
    </form>
  );
}

/**
 * The approval queue: approvers see it (others get 403 and no queue); approval re-authenticates.
 * An approved request is made only by its requester (dual-control.ts `consume`): the approver is
 * told it waits for the requester, never offered the button the server would refuse.
 */
export function Queue({ studyId, onUse }: { studyId: string; onUse: (r: RequestView) => void }) {
  const client = useQueryClient();
  const may = useMay(studyId);
  const queue = useQuery({
    queryKey: ['export-requests', studyId],
    queryFn: () => api<RequestView[]>('GET', `/api/v1/studies/${studyId}/export-requests`),
    retry: false,
  });
  const approve = useMutation({
    mutationFn: (v: { id: string; password: string; totp: string }) =>
      api<RequestView>('POST', `/api/v1/export-requests/${v.id}/approve`, {
        password: v.password,
        ...(v.totp === '' ? {} : { totp: v.totp }),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['export-requests', studyId] }),
  });
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('GET', '/api/v1/auth/me'), retry: false });
  const mine = (r: RequestView) => me.data?.actor === 'system' || me.data?.user?.id === r.requestedBy;
  if (queue.isError || queue.isPending) return null;
  return (
    <section aria-label="Approval queue">
      <h3>Approval queue (identified exports)</h3>
      {queue.data.length === 0 && <p className="muted">No request waits.</p>}
      <ul className="cards">
        {queue.data.map((r) => (
          <li key={r.id}>
            <strong>{r.status}</strong>: {r.format} for {r.recipient} — {r.purpose} (requested as{' '}
            {r.requestedRole}, {r.requestedAt}; until {r.expiresAt})
            {r.status === 'pending' && may('export.approve') && (
              <Reauth
                label="Approve"
                onSubmit={(password, totp) => approve.mutate({ id: r.id, password, totp })}
              />
            )}
            {r.status === 'approved' && !mine(r) && (
              <p className="muted">Approved, waiting for the requester to make the export.</p>
            )}
            {r.status === 'approved' && mine(r) && may('export.identified') && (
              <button type="button" onClick={() => onUse(r)}>
                Make the approved export
              </button>
            )}
          </li>
        ))}
      </ul>
      {approve.isError && <p className="error">{failureMessage(approve.error)}</p>}
      {approve.isSuccess && <p role="status">Approved.</p>}
    </section>
  );
}
