import type { DateTreatment, ExportProfile } from './export-dataset.js';
import type { RiskReport } from './k-anonymity.js';
import type { WrittenFile } from './output.js';

/** What an export answers (API, CLI --json): its files, their SHA-256, and the risk report. */
export interface ExportReport {
  readonly exportId: string;
  readonly study: string;
  readonly profile: ExportProfile;
  /** What the dates went through (Safe Harbor `year`, expert-determination `shift`, or `kept`). */
  readonly dates: DateTreatment;
  readonly format: string;
  readonly recipient: string;
  readonly purpose: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly rows: number;
  readonly files: readonly WrittenFile[];
  readonly risk: RiskReport;
  /** Synthetic canary participants among the rows (never told to the recipient). */
  readonly canaries: number;
  readonly allocation: boolean;
  /** Age-encrypted to the recipient's registered key (issue #16), and that key's fingerprint. */
  readonly encrypted: boolean;
  readonly recipientKey: string | null;
}
