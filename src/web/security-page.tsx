import { startRegistration } from '@simplewebauthn/browser';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { PasskeyList } from '../access/access-view.js';
import { api, failureMessage } from './api.js';

/**
 * Security: the signed-in user's passkeys. Adding or removing one asks for the password and a current
 * code (authenticator app or recovery code) again, so an unlocked browser is not enough (ASVS 7.5.1).
 */
export function SecurityPage() {
  const client = useQueryClient();
  const factors = useQuery({
    queryKey: ['passkeys'],
    queryFn: () => api<PasskeyList>('GET', '/api/v1/auth/passkeys'),
    retry: false,
  });
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');

  const done = async (text: string) => {
    setPassword('');
    setCode('');
    setError('');
    setMessage(text);
    await client.invalidateQueries({ queryKey: ['passkeys'] });
  };

  async function add(event: FormEvent) {
    event.preventDefault();
    setMessage('');
    try {
      const optionsJSON = await api<Parameters<typeof startRegistration>[0]['optionsJSON']>(
        'POST',
        '/api/v1/auth/passkeys/options',
        { password, code },
      );
      const response = await startRegistration({ optionsJSON });
      await api('POST', '/api/v1/auth/passkeys', { name: name || 'Passkey', response });
      setName('');
      await done('The passkey was added. Your other sessions have been signed out.');
    } catch (e) {
      setError(failureMessage(e));
    }
  }

  async function remove(id: string) {
    setMessage('');
    try {
      await api('POST', `/api/v1/auth/passkeys/${encodeURIComponent(id)}/remove`, { password, code });
      await done('The passkey was removed.');
    } catch (e) {
      setError(failureMessage(e));
    }
  }

  return (
    <section aria-label="Security">
      <h1>Security</h1>
      <h2>Passkeys</h2>
      <p className="muted">
        A passkey signs you in as the second factor after your password, instead of a code from the
        authenticator app{factors.data?.totp === true ? ' (which keeps working)' : ''}.
      </p>
      {factors.isError && <p className="muted">{failureMessage(factors.error)}</p>}
      {factors.data !== undefined && factors.data.passkeys.length === 0 && (
        <p className="muted">No passkeys yet.</p>
      )}
      {factors.data !== undefined && factors.data.passkeys.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Added (UTC)</th>
              <th>Last used (UTC)</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {factors.data.passkeys.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>{k.createdAt.slice(0, 16).replace('T', ' ')}</td>
                <td>{k.lastUsedAt === null ? '-' : k.lastUsedAt.slice(0, 16).replace('T', ' ')}</td>
                <td>
                  <button type="button" onClick={() => remove(k.id)}>
                    Remove {k.name}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={add} aria-label="Confirm it is you">
        <p>To add or remove a passkey, confirm it is you:</p>
        <label htmlFor="security-password">Password</label>
        <input
          id="security-password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <label htmlFor="security-code">Current code (authenticator app or recovery code)</label>
        <input
          id="security-code"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
        <label htmlFor="passkey-name">Name of the new passkey</label>
        <input
          id="passkey-name"
          maxLength={100}
          placeholder="e.g. work laptop"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit">Add a passkey</button>
      </form>
      {message !== '' && <p role="status">{message}</p>}
      {error !== '' && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
