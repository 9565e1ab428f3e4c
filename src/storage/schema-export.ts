// The export capability's tables (migration 0011), kept apart so schema.ts stays one screenful per concern.

/** Per-study export settings (migration 0011): the k-anonymity threshold and the sealed export key. */
export interface ExportSettingsTable {
  study_id: string;
  k_threshold: number;
  key_sealed: Buffer;
  created_at: string;
}

/** Who receives exports: blinding, and the data use agreement a limited data set needs (164.514(e)(4)). */
export interface ExportRecipientTable {
  id: string;
  study_id: string;
  name: string;
  unblinded: number;
  dua_reference: string | null;
  dua_expires_on: string | null;
  /** The recipient's age X25519 public key (migration 0012): exports to it are encrypted. */
  age_recipient: string | null;
  recorded_by: string;
  created_at: string;
  updated_at: string;
}

/** A dual-control request for an identified export: pending, approved, used, or expired. */
export interface ExportRequestTable {
  id: string;
  study_id: string;
  profile: string;
  format: string;
  recipient: string;
  purpose: string;
  requested_by: string;
  requested_role: string;
  requested_at: string;
  expires_at: string;
  status: 'pending' | 'approved' | 'used';
  approved_by: string | null;
  approved_role: string | null;
  approved_at: string | null;
  export_id: string | null;
}

/** Every export made: files (JSON [{name, sha256, bytes}]), risk report (JSON), one download. */
export interface ExportTable {
  id: string;
  study_id: string;
  profile: string;
  format: string;
  recipient: string;
  purpose: string;
  actor: string;
  request_id: string | null;
  created_at: string;
  expires_at: string;
  downloaded_at: string | null;
  canaries: number;
  files: string;
  report: string;
}
