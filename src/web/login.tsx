import { startAuthentication } from '@simplewebauthn/browser';
import { type FormEvent, useState } from 'react';
import { renderSVG } from 'uqr';
import type { RecoveryCodes, SignInAnswer } from '../access/access-view.js';
import { api, failureMessage } from './api.js';

type Step = 'password' | 'mfa' | 'enroll' | 'codes';

/**
 * Sign-in: password, then the second factor (a TOTP code, a recovery code, or a passkey when the
 * account has one), or TOTP enrollment with a QR code on first sign-in.
 */
export function Login({ onSignedIn }: { onSignedIn: () => void }) {
  const [step, setStep] = useState<Step>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [enrollment, setEnrollment] = useState<{ uri: string; secret: string } | null>(null);
  const [codes, setCodes] = useState<string[]>([]);
  const [passkey, setPasskey] = useState(false);

  const fail = (e: unknown) => setError(failureMessage(e));

  async function submitPassword(event: FormEvent) {
    event.preventDefault();
    setError('');
    try {
      const { state, factors } = await api<SignInAnswer>('POST', '/api/v1/auth/login', { email, password });
      setPassword('');
      setPasskey(factors?.passkey === true);
      if (state === 'active') return onSignedIn();
      if (state === 'enroll') {
        setEnrollment(await api('POST', '/api/v1/auth/totp/enroll', {}));
        return setStep('enroll');
      }
      setStep('mfa');
    } catch (e) {
      fail(e);
    }
  }

  async function submitCode(event: FormEvent) {
    event.preventDefault();
    setError('');
    try {
      if (step === 'enroll') {
        const { recoveryCodes } = await api<RecoveryCodes>('POST', '/api/v1/auth/totp/confirm', { code });
        setCodes(recoveryCodes);
        return setStep('codes');
      }
      await api('POST', '/api/v1/auth/totp', { code });
      onSignedIn();
    } catch (e) {
      fail(e);
    }
  }

  async function signInWithPasskey() {
    setError('');
    try {
      const optionsJSON = await api<Parameters<typeof startAuthentication>[0]['optionsJSON']>(
        'POST',
        '/api/v1/auth/webauthn/challenge',
        {},
      );
      const response = await startAuthentication({ optionsJSON });
      await api('POST', '/api/v1/auth/webauthn', response);
      onSignedIn();
    } catch (e) {
      fail(e);
    }
  }

  return (
    <main className="login">
      <h1>TrialVault</h1>
      {step === 'password' && (
        <form onSubmit={submitPassword} aria-label="Sign in">
          <label htmlFor="email">E-mail</label>
          <input
            id="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <button type="submit">Sign in</button>
        </form>
      )}
      {(step === 'mfa' || step === 'enroll') && (
        <form onSubmit={submitCode} aria-label="Second factor">
          {step === 'enroll' && enrollment !== null && (
            <section className="enroll">
              <p>
                Your role can see protected data, so it needs a second factor. Scan this code with an
                authenticator app:
              </p>
              <img
                alt="QR code for your authenticator app"
                src={`data:image/svg+xml;utf8,${encodeURIComponent(renderSVG(enrollment.uri))}`}
                width={200}
                height={200}
              />
              <p>
                Or enter the key by hand: <code>{enrollment.secret}</code>
              </p>
            </section>
          )}
          <label htmlFor="code">
            {step === 'mfa'
              ? 'Code from your authenticator app (or a recovery code)'
              : 'Code shown by the app'}
          </label>
          <input
            id="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          <button type="submit">{step === 'mfa' ? 'Verify' : 'Turn on the second factor'}</button>
          {step === 'mfa' && passkey && (
            <button type="button" onClick={signInWithPasskey}>
              Use a passkey
            </button>
          )}
        </form>
      )}
      {step === 'codes' && (
        <section aria-label="Recovery codes">
          <p>
            Keep these recovery codes somewhere safe. Each works once, if you lose your phone. They are not
            shown again.
          </p>
          <ul className="codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <button type="button" onClick={onSignedIn}>
            I have saved them
          </button>
        </section>
      )}
      {error !== '' && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </main>
  );
}
