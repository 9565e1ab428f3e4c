import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

/** A backup.create or backup.verify event, as the status needs it. */
export interface BackupEvent {
  readonly action: 'backup.create' | 'backup.verify';
  readonly at: string;
  readonly target: string | null;
  readonly ok: boolean;
  /** When the verified backup was made (the verify event's details), if recorded. */
  readonly createdAt: string | undefined;
}

/** The newest backup events, newest first (at most 200: the status needs only the latest of each). */
export async function recentBackupEvents(db: Kysely<Database>): Promise<BackupEvent[]> {
  const rows = await db
    .selectFrom('audit_events')
    .select(['action', 'at', 'target', 'outcome', 'details'])
    .where('action', 'in', ['backup.create', 'backup.verify'])
    .orderBy('seq', 'desc')
    .limit(200)
    .execute();
  return rows.map((e) => ({
    action: e.action === 'backup.create' ? 'backup.create' : 'backup.verify',
    at: e.at,
    target: e.target,
    ok: e.outcome === 'success',
    createdAt:
      e.action === 'backup.verify' ? (JSON.parse(e.details) as { createdAt?: string }).createdAt : undefined,
  }));
}
