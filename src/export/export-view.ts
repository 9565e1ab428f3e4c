/**
 * What the export API answers (node-free, so the web app imports these types: issue #14).
 * The services return these shapes; `export-answers.ts` describes them for the OpenAPI document.
 */

/** How each date treatment is named to people (web, CLI, docs): never "Safe Harbor" for shifted dates. */
export const DATE_TREATMENT_LABELS: Readonly<Record<'year' | 'shift' | 'kept', string>> = {
  year: 'De-identified (HIPAA Safe Harbor): dates reduced to the year',
  shift: 'De-identified, dates shifted (expert determination required)',
  kept: 'Real dates (limited data set or identified export)',
};

export interface ExportFileView {
  readonly name: string;
  readonly mediaType: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface RiskReportView {
  readonly quasiIdentifiers: readonly string[];
  readonly participants: number;
  readonly classes: number;
  readonly k: number;
  readonly threshold: number;
  readonly atRisk: number;
  readonly passed: boolean;
  readonly suggestion?: { readonly suppress: string; readonly k: number };
}

export interface ExportReportView {
  readonly exportId: string;
  readonly study: string;
  readonly profile: string;
  /** De-identified dates: `year` (Safe Harbor) or `shift` (expert determination); `kept` otherwise. */
  readonly dates: string;
  readonly format: string;
  readonly recipient: string;
  readonly purpose: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly rows: number;
  readonly files: readonly ExportFileView[];
  readonly risk: RiskReportView;
  readonly canaries: number;
  readonly allocation: boolean;
  /** Whether the files are age-encrypted to the recipient's key, and that key's fingerprint. */
  readonly encrypted: boolean;
  readonly recipientKey: string | null;
}

/** One export as the study's list shows it. */
export interface ExportListItem {
  readonly exportId: string;
  readonly profile: string;
  readonly format: string;
  readonly recipient: string;
  readonly purpose: string;
  readonly actor: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly files: readonly { readonly name: string; readonly sha256: string; readonly bytes: number }[];
}

export interface RequestView {
  readonly id: string;
  readonly status: string;
  readonly format: string;
  readonly recipient: string;
  readonly purpose: string;
  readonly requestedBy: string;
  readonly requestedRole: string;
  readonly requestedAt: string;
  readonly approvedBy: string | null;
  readonly expiresAt: string;
}

export interface RecipientView {
  readonly name: string;
  readonly unblinded: boolean;
  readonly duaReference: string | null;
  readonly duaExpiresOn: string | null;
  /** The registered age public key, if any, and its fingerprint. */
  readonly ageRecipient: string | null;
  readonly keyFingerprint: string | null;
  readonly updatedAt: string;
}

export interface AttributionView {
  readonly exportId: string;
  readonly study: string;
  readonly profile: string;
  readonly recipient: string;
  readonly purpose: string;
  readonly createdAt: string;
  readonly subjects: number;
  readonly canaries: number;
  readonly dates: number;
  readonly score: number;
}

export interface IdentifiedView {
  readonly rows: number;
  readonly subjects: number;
  readonly candidates: readonly AttributionView[];
}

/** What an ODM ClinicalData import did (POST /api/v1/studies/:study/imports/odm). */
export interface OdmImportView {
  readonly file: string;
  readonly sha256: string;
  readonly participantsCreated: number;
  readonly recordsCreated: number;
  readonly recordsUpdated: number;
  readonly recordsUnchanged: number;
  readonly sourceExport: string | null;
  readonly canariesRemoved: number;
}

/** A preview: the exported forms (fields after the profile) and the first rows as the recipient sees them. */
export interface ExportPreviewView {
  readonly profile: string;
  /** The export's date treatment (year, shift or kept). */
  readonly dates: string;
  readonly recipient: string;
  readonly forms: readonly {
    readonly oid: string;
    readonly name: string;
    readonly fields: readonly { readonly oid: string; readonly label: string; readonly transform: string }[];
  }[];
  readonly rows: readonly {
    readonly subject: string;
    readonly site: string | null;
    readonly event: string;
    readonly form: string;
    readonly values: Readonly<Record<string, string | number | boolean | null>>;
  }[];
}
