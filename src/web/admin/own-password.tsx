import { type FormEvent, useState } from 'react';
import { api, failureMessage } from '../api.js';

/**
 * Everyone's own password change: the current password and a current code; the other sessions end
 * (POST /api/v1/auth/password; ASVS 6.2.3, 7.4.3).
 */
export function OwnPassword() {
  const [form, setForm] = useState({ current: '', next: '', repeat: '', code: '' });
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setMessage('');
    setError('');
    if (form.next !== form.repeat) {
      setError('The new password and its repetition differ.');
      return;
    }
    try {
      const done = await api<{ ended: number }>('POST', '/api/v1/auth/password', {
        current: form.current,
        next: form.next,
        ...(form.code === '' ? {} : { code: form.code }),
      });
      setForm({ current: '', next: '', repeat: '', code: '' });
      setMessage(`Password changed; ${done.ended} other session(s) signed out.`);
    } catch (e) {
      setError(failureMessage(e));
    }
  };
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [key]: e.target.value });
  return (
    <section aria-label="Change your password">
      <h3>Change your password</h3>
      <p className="muted">At least 12 characters; a passphrase of a few words works well.</p>
      <form onSubmit={submit}>
        <label htmlFor="pw-current">Current password</label>
        <input
          id="pw-current"
          type="password"
          autoComplete="current-password"
          required
          value={form.current}
          onChange={set('current')}
        />
        <label htmlFor="pw-next">New password</label>
        <input
          id="pw-next"
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          value={form.next}
          onChange={set('next')}
        />
        <label htmlFor="pw-repeat">New password again</label>
        <input
          id="pw-repeat"
          type="password"
          autoComplete="new-password"
          required
          value={form.repeat}
          onChange={set('repeat')}
        />
        <label htmlFor="pw-code">Current code (authenticator app)</label>
        <input
          id="pw-code"
          inputMode="numeric"
          autoComplete="one-time-code"
          value={form.code}
          onChange={set('code')}
        />
        <button type="submit">Change password</button>
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
