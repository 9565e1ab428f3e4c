import { z } from 'zod';
import { describes, timestamp } from '../http/answers.js';
import type { Route } from '../http/api-registry.js';
import type { BackupStatus } from './backup-view.js';
import type { BackupStatusService } from './status-service.js';

const statusAnswer = describes<BackupStatus>()(
  z.strictObject({
    lastBackup: z.strictObject({ id: z.string(), at: timestamp }).nullable(),
    lastVerified: z.strictObject({ id: z.string(), at: timestamp, ok: z.boolean() }).nullable(),
    recoveryPoint: timestamp.nullable().describe('When the newest backup proven restorable was taken'),
  }),
);

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
      response: statusAnswer,
    },
    ({ actor }) => backupStatus.status(actor),
  );
}
