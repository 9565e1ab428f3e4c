import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { NewToken, TokenView } from '../access/access-view.js';
import type { Page } from '../http/pagination.js';
import type { Study } from '../studies/studies-view.js';
import { api, failureMessage } from './api.js';
import { useMay } from './use-may.js';

/**
 * API tokens of one study: create your own (the secret shown once); list and revoke the study's (study
 * administrators).
 */
export function TokenAdmin() {
  const client = useQueryClient();
  const studies = useQuery({
    queryKey: ['studies'],
    queryFn: () => api<Page<Study>>('GET', '/api/v1/studies'),
  });
  const [chosen, setChosen] = useState('');
  const study = chosen !== '' ? chosen : (studies.data?.items[0]?.protocolId ?? '');
  // The study's tokens are listed (and others' revoked) with token.manage only; one's own may be made.
  const manages = useMay()('token.manage', studies.data?.items.find((s) => s.protocolId === study)?.id ?? '');
  const [form, setForm] = useState({ scopes: 'study.read,record.read' });
  const [shown, setShown] = useState('');
  const tokens = useQuery({
    queryKey: ['tokens', study],
    queryFn: () => api<Page<TokenView>>('GET', `/api/v1/studies/${encodeURIComponent(study)}/tokens`),
    enabled: study !== '' && manages,
    retry: false,
  });
  const created = useMutation({
    mutationFn: () =>
      // A token is always the signed-in user's own, within their own grants (docs/access.md).
      api<NewToken>('POST', '/api/v1/tokens', {
        study,
        scopes: form.scopes.split(',').map((s) => s.trim()),
      }),
    onSuccess: async (r) => {
      setShown(r.token);
      await client.invalidateQueries({ queryKey: ['tokens', study] });
    },
  });
  const revoked = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['tokens', study] }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    created.mutate();
  };
  return (
    <>
      <h3>API tokens</h3>
      <label htmlFor="token-study">Study</label>
      <select id="token-study" value={study} onChange={(e) => setChosen(e.target.value)}>
        {(studies.data?.items ?? []).map((s) => (
          <option key={s.id} value={s.protocolId}>
            {s.protocolId}
          </option>
        ))}
      </select>
      {!manages ? null : tokens.isError ? (
        <p className="muted">{failureMessage(tokens.error)}</p>
      ) : (tokens.data?.items ?? []).length === 0 ? (
        <p className="muted">No API tokens in this study.</p>
      ) : (
        <table aria-label="API tokens">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Actions</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {(tokens.data?.items ?? []).map((t) => (
              <tr key={t.id}>
                <td>{t.user}</td>
                <td>{t.scopes.join(', ')}</td>
                <td>{t.createdAt.slice(0, 16).replace('T', ' ')}</td>
                <td>{t.expiresAt.slice(0, 10)}</td>
                <td>
                  {t.revokedAt !== null ? (
                    `revoked ${t.revokedAt.slice(0, 10)}`
                  ) : (
                    <button
                      type="button"
                      aria-label={`Revoke the token of ${t.user}`}
                      disabled={revoked.isPending}
                      onClick={() => revoked.mutate(t.id)}
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
      {revoked.isError && (
        <p role="alert" className="error">
          {failureMessage(revoked.error)}
        </p>
      )}
      <form onSubmit={submit} aria-label="Create an API token">
        <p className="muted">
          A token is yours, and carries at most your own rights in the study. An integration that needs rights
          of its own gets its own account.
        </p>
        <label htmlFor="token-scopes">Actions (comma-separated)</label>
        <input
          id="token-scopes"
          required
          value={form.scopes}
          onChange={(e) => setForm({ scopes: e.target.value })}
        />
        <button type="submit">Create token</button>
      </form>
      {shown !== '' && (
        <p role="status">
          Copy it now, it is not shown again: <code>{shown}</code>
        </p>
      )}
      {created.isError && (
        <p role="alert" className="error">
          {failureMessage(created.error)}
        </p>
      )}
    </>
  );
}
