import type { Route } from '../server/api-registry.js';
import type { BackupStatusService } from './status-service.js';

export function registerBackupRoutes(
  route: Route,
  { backupStatus }: { readonly backupStatus: BackupStatusService },
): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/backups/status',
      summary: 'The last backup, the last verified restore and the recovery point (system administrators)',
      tag: 'backups',
      auth: 'actor',
    },
    ({ actor }) => backupStatus.status(actor),
  );
}
