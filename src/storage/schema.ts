import type { ColumnType, Generated } from 'kysely';
import type {
  ExportRecipientTable,
  ExportRequestTable,
  ExportSettingsTable,
  ExportTable,
} from './schema-export.js';
import type { ScheduleTable } from './schema-schedule.js';

// Timestamps are ISO 8601 UTC strings (server time); booleans are 0/1 integers; JSON is text.
// Both dialects share this one schema.

/**
 * The row seal of a table bound by row MAC (migration 0010, ledger/row-seal.ts): the sequence number of
 * the audit event that last wrote the row, and the HMAC under the row key. Every table of
 * ROW_SEALED_TABLES (migration 0010) has them. They are not in the table interfaces below: only the
 * event's `seals`, `resealRow` and `updateVolatile` (ledger/row-seal-store.ts) write them, and rows
 * built for an insert never name them. `selectAll()` returns them: read such a row as `Sealed<Row>`.
 */
export interface RowSealColumns {
  readonly row_seq: number | string | null;
  readonly row_mac: Buffer | null;
}

export type Sealed<Row> = Row & RowSealColumns;

export interface MetaTable {
  key: string;
  value: string;
}

export interface CounterTable {
  name: string;
  value: number;
}

export interface StudyTable {
  id: string;
  protocol_id: string;
  title: string;
  status: 'draft' | 'live' | 'closed';
  is_demo: number;
  created_at: string;
  updated_at: string;
}

export interface SiteTable {
  id: string;
  study_id: string;
  code: string;
  name: string;
  created_at: string;
}

export interface StudyKeyTable {
  study_id: string;
  version: number;
  wrapped_key: Buffer;
  created_at: string;
}

export interface FormTable {
  id: string;
  study_id: string;
  oid: string;
  name: string;
  created_at: string;
}

export interface FormVersionTable {
  id: string;
  form_id: string;
  version: number;
  definition: string;
  status: 'draft' | 'live';
  created_at: string;
  published_at: string | null;
}

export interface ParticipantTable {
  id: string;
  study_id: string;
  site_id: string;
  subject_id: string;
  status: 'screening' | 'enrolled' | 'completed' | 'withdrawn' | 'screen_failed' | 'erased';
  consent_date_sealed: Buffer | null;
  created_at: string;
  updated_at: string;
  erased_at: string | null;
}

export interface ParticipantKeyTable {
  participant_id: string;
  study_id: string;
  kek_version: number;
  key_version: number;
  wrapped_key: Buffer;
  created_at: string;
}

export interface ParticipantLookupTable {
  study_id: string;
  kind: string;
  token: Buffer;
  participant_id: string;
}

export interface RecordTable {
  id: string;
  study_id: string;
  participant_id: string;
  form_id: string;
  visit: string;
  version: number;
  locked: number;
  created_at: string;
  updated_at: string;
}

export interface RecordVersionTable {
  record_id: string;
  version: number;
  form_version_id: string;
  actor: string;
  reason: string | null;
  created_at: string;
  /** JSON object: field -> value, for clinical-class fields. */
  clear_values: string;
  /** JSON object: field -> base64 field envelope, for protected classes. */
  sealed_values: string;
  /** JSON array of the field names this version changed. */
  changed_fields: string;
}

export interface AuditEventTable {
  /** The event's identity and, in the ledger, its leaf index: gapless from 1. */
  seq: number;
  at: string;
  actor: string;
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  study_id: string | null;
  participant_id: string | null;
  record_id: string | null;
  target: string | null;
  reason: string | null;
  client: string | null;
  /** JSON object of non-protected details (field names, versions, counts). */
  details: string;
  /** HMAC-SHA-256, under the ledger MAC key, of the event's RFC 9162 leaf hash (null before the ledger). */
  leaf_mac: Buffer | null;
  /**
   * JSON array of [table, key, ledger seal or null] for the row-sealed rows the event wrote (migration
   * 0010); in the leaf only when set, so events without it keep their leaves.
   */
  row_seals: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface LedgerCheckpointTable {
  size: number;
  root: Buffer;
  at: string;
  /** The C2SP signed note, exactly as signed and published to the witness. */
  note: string;
  /** The tree's frontier at this size (ledger/frontier.ts); null in checkpoints made before it existed. */
  frontier: Buffer | null;
}

export interface UserTable {
  id: string;
  /** Normalised (trimmed, lower case); unique and never reassigned (21 CFR 11.100(a)). */
  email: string;
  name: string;
  password_hash: string;
  status: 'active' | 'disabled';
  is_demo: number;
  failed_attempts: number;
  lockouts: number;
  locked_until: string | null;
  totp_secret_sealed: Buffer | null;
  totp_enabled: number;
  totp_last_step: number | null;
  created_at: string;
  updated_at: string;
  /** Wrong second-factor answers since the last accepted one; at ACCOUNT_MFA_FAILURES the account locks. */
  mfa_failures: number;
  /** Locked after too many wrong second-factor answers, until an administrator unlocks it. */
  mfa_locked_at: string | null;
  /** A TOTP secret being enrolled: it replaces totp_secret_sealed only when a code confirms it. */
  totp_pending_sealed: Buffer | null;
}

export interface RecoveryCodeTable {
  user_id: string;
  code_hash: Buffer;
  used_at: string | null;
}

export interface SessionTable {
  id: string;
  token_hash: Buffer;
  user_id: string;
  /** 'mfa' waits for a TOTP code, 'enroll' for TOTP enrollment, 'active' is fully signed in. */
  state: 'mfa' | 'enroll' | 'active';
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  mfa_at: string | null;
  signed_at: string | null;
  ended_at: string | null;
  end_reason: string | null;
  /** Wrong second-factor answers on this session; at SESSION_MFA_FAILURES the session ends. */
  mfa_failures: number;
  /** The WebAuthn challenge last issued to this session (base64url), single use. */
  webauthn_challenge: string | null;
}

/** A passkey (WebAuthn credential) registered as a second factor. */
export interface PasskeyTable {
  /** The credential id, base64url. */
  id: string;
  user_id: string;
  name: string;
  /** The COSE public key. */
  public_key: Buffer;
  /** The signature counter last seen; a smaller one is refused (a cloned authenticator). */
  counter: number;
  /** JSON array of transports. */
  transports: string;
  rp_id: string;
  created_at: string;
  last_used_at: string | null;
}

export interface ApiTokenTable {
  id: string;
  token_hash: Buffer;
  user_id: string;
  study_id: string;
  scopes: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface GrantTable {
  id: string;
  user_id: string;
  study_id: string | null;
  site_id: string | null;
  role: string;
  created_at: string;
  revoked_at: string | null;
}

export interface BreakGlassTable {
  id: string;
  user_id: string;
  study_id: string;
  justification: string;
  started_at: string;
  expires_at: string;
  ended_at: string | null;
  /** The second person's review (migration 0009): null until reviewed. */
  reviewed_at: string | null;
  reviewed_by: string | null;
  review_outcome: string | null;
  review_note: string | null;
}

export interface AlertTable {
  id: string;
  kind: string;
  user_id: string | null;
  study_id: string | null;
  at: string;
  details: string;
  acknowledged_at: string | null;
}

export interface SignatureTable {
  id: string;
  record_id: string;
  record_version: number;
  user_id: string;
  printed_name: string;
  meaning: string;
  content_hash: string;
  signed_at: string;
}

export interface Database {
  meta: MetaTable;
  counters: CounterTable;
  studies: StudyTable;
  sites: SiteTable;
  study_keys: StudyKeyTable;
  forms: FormTable;
  form_versions: FormVersionTable;
  participants: ParticipantTable;
  participant_keys: ParticipantKeyTable;
  participant_lookup: ParticipantLookupTable;
  records: RecordTable;
  record_versions: RecordVersionTable;
  audit_events: AuditEventTable;
  ledger_checkpoints: LedgerCheckpointTable;
  users: UserTable;
  recovery_codes: RecoveryCodeTable;
  sessions: SessionTable;
  passkeys: PasskeyTable;
  api_tokens: ApiTokenTable;
  grants: GrantTable;
  break_glass: BreakGlassTable;
  alerts: AlertTable;
  signatures: SignatureTable;
  devices: DeviceTable;
  telemetry_uploads: TelemetryUploadTable;
  telemetry_blocks: TelemetryBlockTable;
  telemetry_policies: TelemetryPolicyTable;
  export_settings: ExportSettingsTable;
  schedules: ScheduleTable;
  export_recipients: ExportRecipientTable;
  export_requests: ExportRequestTable;
  exports: ExportTable;
}

/** Integers that PostgreSQL keeps as bigint come back as strings: read them with Number(). */
type BigNumber = number | string;

export interface DeviceTable {
  id: string;
  study_id: string;
  participant_id: string;
  model: string;
  serial_sealed: string;
  firmware: string;
  metrics: string;
  status: 'pending' | 'active' | 'suspended' | 'revoked';
  status_reason: string | null;
  alg: number | null;
  public_key: Buffer | null;
  enrollment_hash: Buffer | null;
  enrollment_expires_at: string | null;
  created_at: string;
  enrolled_at: string | null;
  boot: BigNumber | null;
  top_seq: BigNumber;
  seq_window: string;
  top_hash: Buffer | null;
  offset_ms: BigNumber | null;
  last_upload_at: string | null;
  uploads_accepted: BigNumber;
  uploads_refused: BigNumber;
  samples_quarantined: BigNumber;
  last_flags: string;
  /** Sealed JSON (participant key): the last plausible sample per metric, for the next upload's checks. */
  last_samples: string | null;
}

export interface TelemetryUploadTable {
  id: string;
  device_id: string;
  study_id: string;
  participant_id: string;
  boot: BigNumber;
  seq: BigNumber;
  message_hash: Buffer;
  content_mac: Buffer;
  received_at: string;
  sent_ms: BigNumber;
  sample_count: number;
  quarantined: number;
  flags: string;
}

export interface TelemetryBlockTable {
  upload_id: string;
  metric: number;
  participant_id: string;
  start_ms: BigNumber;
  end_ms: BigNumber;
  sample_count: number;
  quarantined: number;
  sealed: string;
}

export interface TelemetryPolicyTable {
  study_id: string;
  policy: string;
  updated_at: string;
}

export type {
  ExportRecipientTable,
  ExportRequestTable,
  ExportSettingsTable,
  ExportTable,
} from './schema-export.js';
export type { Generated };
