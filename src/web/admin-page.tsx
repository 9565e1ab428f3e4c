import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ROLES } from '../authz/roles-view.js';
import { AccountsPanel } from './admin/accounts-panel.js';
import { api, failureMessage } from './api.js';
import { BackupStatusPanel } from './backup-status.js';
import { TokenAdmin } from './token-admin.js';
import { useMay } from './use-may.js';

/** Administration: accounts (system administrators), grants and API tokens (study administrators). */
export function AdminPage() {
  const may = useMay();
  const [grant, setGrant] = useState({ email: '', role: 'coordinator', study: '', site: '' });
  const granted = useMutation({
    mutationFn: () =>
      api('POST', '/api/v1/grants', {
        email: grant.email,
        role: grant.role,
        ...(grant.study === '' ? {} : { study: grant.study }),
        ...(grant.site === '' ? {} : { site: grant.site }),
      }),
  });
  const submitGrant = (event: FormEvent) => {
    event.preventDefault();
    granted.mutate();
  };
  return (
    <section>
      <h2>Administration</h2>
      <h3>Accounts</h3>
      <AccountsPanel />
      {may('grant.manage') && (
        <>
          <h3>Grant a role</h3>
          <form onSubmit={submitGrant} aria-label="Grant a role">
            <label htmlFor="grant-email">E-mail</label>
            <input
              id="grant-email"
              type="email"
              required
              value={grant.email}
              onChange={(e) => setGrant({ ...grant, email: e.target.value })}
            />
            <label htmlFor="grant-role">Role</label>
            <select
              id="grant-role"
              value={grant.role}
              onChange={(e) => setGrant({ ...grant, role: e.target.value })}
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            <label htmlFor="grant-study">Study (protocol id)</label>
            <input
              id="grant-study"
              value={grant.study}
              onChange={(e) => setGrant({ ...grant, study: e.target.value })}
            />
            <label htmlFor="grant-site">Site code (optional)</label>
            <input
              id="grant-site"
              value={grant.site}
              onChange={(e) => setGrant({ ...grant, site: e.target.value })}
            />
            <button type="submit">Grant</button>
          </form>
          {granted.isSuccess && <p role="status">Granted.</p>}
          {granted.isError && (
            <p role="alert" className="error">
              {failureMessage(granted.error)}
            </p>
          )}
        </>
      )}
      <TokenAdmin />
      {may('backup.status') && <BackupStatusPanel />}
    </section>
  );
}
