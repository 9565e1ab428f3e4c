import { useQuery } from '@tanstack/react-query';
import type { BackupStatus } from '../backup/backup-view.js';
import { api, failureMessage } from './api.js';

const utc = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')} UTC`;

/** Backups at a glance (system administrators): last backup, last verified restore, recovery point. */
export function BackupStatusPanel() {
  const status = useQuery({
    queryKey: ['backup-status'],
    queryFn: () => api<BackupStatus>('GET', '/api/v1/backups/status'),
    retry: false,
  });
  return (
    <>
      <h3>Backups</h3>
      {status.isPending ? (
        <p>Loading…</p>
      ) : status.isError ? (
        <p className="muted">{failureMessage(status.error)} (backups are run by system administrators)</p>
      ) : (
        <dl className="facts" aria-label="Backup status">
          <dt>Last backup</dt>
          <dd>
            {status.data.lastBackup === null
              ? 'None yet: run "trialvault backup init", then "backup create" or "serve --backup-every 1h".'
              : `${utc(status.data.lastBackup.at)} (${status.data.lastBackup.id})`}
          </dd>
          <dt>Last verified restore</dt>
          <dd>
            {status.data.lastVerified === null ? (
              'Never: run "trialvault backup verify" or "backup drill".'
            ) : (
              <>
                {utc(status.data.lastVerified.at)}{' '}
                <span className={status.data.lastVerified.ok ? 'badge ok' : 'badge'}>
                  {status.data.lastVerified.ok ? 'passed' : 'FAILED'}
                </span>
              </>
            )}
          </dd>
          <dt>Recovery point</dt>
          <dd>
            {status.data.recoveryPoint === null
              ? 'None: no backup has been proven restorable.'
              : `${utc(status.data.recoveryPoint)}: a restore brings back everything up to then.`}
          </dd>
        </dl>
      )}
    </>
  );
}
