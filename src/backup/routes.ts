import type { Vault } from '../app/vault.js';
import type { Route } from '../server/api-registry.js';

export function registerBackupRoutes(route: Route, vault: Vault): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/backups/status',
      summary: 'The last backup, the last verified restore and the recovery point (system administrators)',
      tag: 'backups',
      auth: 'actor',
    },
    ({ actor }) => vault.backupStatus.status(actor),
  );
}
