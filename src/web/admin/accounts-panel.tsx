import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { GrantHeld, Me, User } from '../../access/access-view.js';
import type { Page } from '../../http/pagination.js';
import { api, failureMessage } from '../api.js';
import { may } from '../may.js';

/** What a reset asks of the administrator: their own password and a current code (ASVS 7.5.1). */
function ReauthForm({
  label,
  onSubmit,
}: {
  label: string;
  onSubmit: (reauth: { password: string; code: string }) => void;
}) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit({ password, code });
    setPassword('');
    setCode('');
  };
  return (
    <form onSubmit={submit} aria-label={label} className="inline-form">
      <label htmlFor="reauth-password">Your password</label>
      <input
        id="reauth-password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <label htmlFor="reauth-code">Your current code</label>
      <input
        id="reauth-code"
        inputMode="numeric"
        autoComplete="one-time-code"
        required
        value={code}
        onChange={(e) => setCode(e.target.value)}
      />
      <button type="submit">{label}</button>
    </form>
  );
}

function Grants({ email }: { email: string }) {
  const client = useQueryClient();
  const grants = useQuery({
    queryKey: ['grants', email],
    queryFn: () => api<GrantHeld[]>('POST', '/api/v1/users/grants', { email }),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/v1/grants/${encodeURIComponent(id)}`),
    onSettled: () => client.invalidateQueries({ queryKey: ['grants', email] }),
  });
  if (grants.isError) return <p className="error">{failureMessage(grants.error)}</p>;
  const list = grants.data ?? [];
  return (
    <div>
      {list.length === 0 && <p className="muted">No active grants.</p>}
      <ul aria-label={`Grants of ${email}`}>
        {list.map((g) => (
          <li key={g.id}>
            {g.role.replaceAll('_', ' ')}
            {g.studyId === null ? ' (system-wide)' : ` in study ${g.studyId.slice(0, 8)}…`}
            {g.siteId === null ? '' : `, one site`}{' '}
            <button type="button" onClick={() => revoke.mutate(g.id)}>
              Revoke
            </button>
          </li>
        ))}
      </ul>
      {revoke.isError && <p className="error">{failureMessage(revoke.error)}</p>}
    </div>
  );
}

type Open = { email: string; what: 'password' | 'factor' | 'grants' } | undefined;

/**
 * Accounts for system administrators (user.manage): create, disable, re-enable, reset a password or
 * second factor, a user's grants. Other roles are not offered these actions (issue #15 item 8).
 */
export function AccountsPanel() {
  const client = useQueryClient();
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('GET', '/api/v1/auth/me') });
  const isSystemAdmin = may(me.data, 'user.manage');
  const users = useQuery({
    queryKey: ['users'],
    queryFn: () => api<Page<User>>('GET', '/api/v1/users'),
    enabled: isSystemAdmin,
    retry: false,
  });
  const [open, setOpen] = useState<Open>();
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const [draft, setDraft] = useState({ email: '', name: '' });
  const run = async (work: () => Promise<string>) => {
    setMessage('');
    setError('');
    try {
      setMessage(await work());
      setOpen(undefined);
    } catch (e) {
      setError(failureMessage(e));
    }
    await client.invalidateQueries({ queryKey: ['users'] });
  };
  if (!isSystemAdmin) return <p className="muted">Accounts are managed by system administrators.</p>;
  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const made = await api<{ user: User; initialPassword?: string }>('POST', '/api/v1/users', draft);
      setDraft({ email: '', name: '' });
      return `Account created for ${made.user.email}. Initial password (shown once): ${made.initialPassword ?? ''}`;
    });
  };
  return (
    <div>
      {users.isError && <p className="error">{failureMessage(users.error)}</p>}
      <div className="table-scroll">
        <table aria-label="Accounts" className="cards">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Status</th>
              <th scope="col">Second factor</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(users.data?.items ?? []).map((u) => {
              const self = u.id === me.data?.user?.id;
              return (
                <tr key={u.id}>
                  <td data-label="Name">{u.name}</td>
                  <td data-label="E-mail">{u.email}</td>
                  <td data-label="Status">{u.status}</td>
                  <td data-label="Second factor">{u.mfa ? 'set up' : 'none'}</td>
                  <td className="actions">
                    {u.status === 'active' ? (
                      <button
                        type="button"
                        disabled={self}
                        title={self ? 'You cannot disable your own account' : undefined}
                        onClick={() =>
                          run(async () => {
                            await api('POST', '/api/v1/users/disable', { email: u.email });
                            return `${u.name} is disabled; their sessions have ended.`;
                          })
                        }
                      >
                        Disable
                      </button>
                    ) : (
                      <button
                        type="button"
                        onClick={() =>
                          run(async () => {
                            await api('POST', '/api/v1/users/enable', { email: u.email });
                            return `${u.name} is enabled again.`;
                          })
                        }
                      >
                        Enable
                      </button>
                    )}
                    {!self && (
                      <>
                        <button type="button" onClick={() => setOpen({ email: u.email, what: 'password' })}>
                          Reset password
                        </button>
                        <button type="button" onClick={() => setOpen({ email: u.email, what: 'factor' })}>
                          Reset second factor
                        </button>
                      </>
                    )}
                    <button type="button" onClick={() => setOpen({ email: u.email, what: 'grants' })}>
                      Grants
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {open !== undefined && (
        <section aria-label={`Account ${open.email}`} className="panel">
          <h4>
            {open.what === 'grants'
              ? `Grants of ${open.email}`
              : open.what === 'password'
                ? `Reset the password of ${open.email}`
                : `Reset the second factor of ${open.email}`}
          </h4>
          {open.what === 'grants' ? (
            <Grants email={open.email} />
          ) : (
            <ReauthForm
              label={open.what === 'password' ? 'Reset password' : 'Reset second factor'}
              onSubmit={(reauth) =>
                run(async () => {
                  if (open.what === 'password') {
                    const done = await api<{ temporaryPassword: string }>(
                      'POST',
                      '/api/v1/users/reset-password',
                      { email: open.email, ...reauth },
                    );
                    return `Temporary password for ${open.email} (shown once, give it in person): ${done.temporaryPassword}`;
                  }
                  await api('POST', '/api/v1/users/reset-second-factor', { email: open.email, ...reauth });
                  return `The second factor of ${open.email} is removed: they set up a new one at next sign-in.`;
                })
              }
            />
          )}
          <button type="button" onClick={() => setOpen(undefined)}>
            Close
          </button>
        </section>
      )}
      {message !== '' && <p role="status">{message}</p>}
      {error !== '' && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <h3>Create an account</h3>
      <form onSubmit={create} aria-label="Create an account">
        <label htmlFor="new-email">E-mail</label>
        <input
          id="new-email"
          type="email"
          required
          value={draft.email}
          onChange={(e) => setDraft({ ...draft, email: e.target.value })}
        />
        <label htmlFor="new-name">Full name</label>
        <input
          id="new-name"
          required
          value={draft.name}
          onChange={(e) => setDraft({ ...draft, name: e.target.value })}
        />
        <button type="submit">Create account</button>
      </form>
    </div>
  );
}
