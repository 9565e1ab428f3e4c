/** What the backup routes answer (node-free: the web app imports these types). */
export interface BackupStatus {
  readonly lastBackup: { readonly id: string; readonly at: string } | null;
  readonly lastVerified: { readonly id: string; readonly at: string; readonly ok: boolean } | null;
  /** When the newest backup proven restorable was taken: what a restore would bring back. */
  readonly recoveryPoint: string | null;
}
