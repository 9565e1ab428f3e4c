import { canonicalJson } from '../core/canonical-json.js';
import type { SnapshotFormat } from './snapshot.js';

/** What a backup holds: its chunks in order, the snapshot's digest, and the ledger checkpoint. */
export interface Manifest {
  readonly format: 'trialvault-backup-v1';
  readonly id: string;
  readonly createdAt: string;
  readonly origin: string;
  readonly snapshot: { readonly format: SnapshotFormat; readonly bytes: number; readonly sha256: string };
  readonly chunks: string[];
  readonly checkpoint: { readonly size: number; readonly root: string; readonly note: string } | null;
  /**
   * The key bundle (key-bundle.ts) sealed to the backup public key: the restore key file alone then
   * recovers the study when the key directory is lost too (ransomware). Absent in older backups.
   */
  readonly keys?: string;
}

/** The signed bytes: canonical JSON, so the signature does not depend on how the file is laid out. */
export const manifestBytes = (manifest: Manifest) => Buffer.from(canonicalJson(manifest), 'utf8');
