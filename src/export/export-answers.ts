import { z } from 'zod';
import { describes, timestamp } from '../http/answers.js';
import type {
  ExportListItem,
  ExportPreviewView,
  ExportReportView,
  IdentifiedView,
  OdmImportView,
  RecipientView,
  RequestView,
} from './export-view.js';

const sha256 = z.string().describe('SHA-256, hex');

const fileAnswer = z.strictObject({
  name: z.string(),
  mediaType: z.string(),
  sha256,
  bytes: z.number().int(),
});

/** The answers of the export API, for the OpenAPI document (checked against export-view.ts). */
export const exportReportAnswer = describes<ExportReportView>()(
  z.strictObject({
    exportId: z.string(),
    study: z.string(),
    profile: z.string().describe('deidentified, limited or identified'),
    dates: z
      .string()
      .describe(
        'year (HIPAA Safe Harbor: dates reduced to the year), shift (keyed per-participant shift: expert determination required) or kept (limited, identified)',
      ),
    format: z.string(),
    recipient: z.string(),
    purpose: z.string(),
    createdAt: timestamp,
    expiresAt: timestamp.describe('The files wait for one download each until then'),
    rows: z.number().int(),
    files: z.array(fileAnswer),
    risk: z.strictObject({
      quasiIdentifiers: z.array(z.string()),
      participants: z.number().int(),
      classes: z.number().int(),
      k: z.number().int().describe('The smallest equivalence class'),
      threshold: z.number().int(),
      atRisk: z.number().int(),
      passed: z.boolean(),
      suggestion: z.strictObject({ suppress: z.string(), k: z.number().int() }).optional(),
    }),
    canaries: z.number().int(),
    allocation: z.boolean().describe('Whether allocation (unblinded) fields are in the export'),
    encrypted: z.boolean().describe("Whether the files are age-encrypted to the recipient's key"),
    recipientKey: z.string().nullable().describe('Fingerprint of that key'),
  }),
);

export const exportListAnswer = describes<ExportListItem[]>()(
  z.array(
    z.strictObject({
      exportId: z.string(),
      profile: z.string(),
      format: z.string(),
      recipient: z.string(),
      purpose: z.string(),
      actor: z.string(),
      createdAt: timestamp,
      expiresAt: timestamp,
      files: z.array(z.strictObject({ name: z.string(), sha256, bytes: z.number().int() })),
    }),
  ),
);

const requestAnswer = z.strictObject({
  id: z.string(),
  status: z.string().describe('pending, approved, used or expired'),
  format: z.string(),
  recipient: z.string(),
  purpose: z.string(),
  requestedBy: z.string(),
  requestedRole: z.string(),
  requestedAt: timestamp,
  approvedBy: z.string().nullable(),
  expiresAt: timestamp,
});
export const exportRequestAnswer = describes<RequestView>()(requestAnswer);
export const exportRequestsAnswer = describes<RequestView[]>()(z.array(requestAnswer));

const recipientAnswer = z.strictObject({
  name: z.string(),
  unblinded: z.boolean(),
  duaReference: z.string().nullable(),
  duaExpiresOn: z.string().nullable().describe('ISO 8601 date'),
  ageRecipient: z.string().nullable().describe('age X25519 public key (age1...)'),
  keyFingerprint: z.string().nullable(),
  updatedAt: timestamp,
});
export const recipientAnswerSchema = describes<RecipientView>()(recipientAnswer);
export const recipientsAnswer = describes<RecipientView[]>()(z.array(recipientAnswer));

export const identifiedAnswer = describes<IdentifiedView>()(
  z.strictObject({
    rows: z.number().int(),
    subjects: z.number().int(),
    candidates: z.array(
      z.strictObject({
        exportId: z.string(),
        study: z.string(),
        profile: z.string(),
        recipient: z.string(),
        purpose: z.string(),
        createdAt: timestamp,
        subjects: z.number().int(),
        canaries: z.number().int(),
        dates: z.number(),
        score: z.number(),
      }),
    ),
  }),
);

/** A downloaded file: its bytes as made (CSV, XML, NDJSON...), with its SHA-256 in `x-content-sha256`. */
export const fileBytesAnswer = z
  .string()
  .describe("The file's bytes; its SHA-256 is in the x-content-sha256 header");

export const odmImportAnswer = describes<OdmImportView>()(
  z.strictObject({
    file: z.string(),
    sha256,
    participantsCreated: z.number().int(),
    recordsCreated: z.number().int(),
    recordsUpdated: z.number().int(),
    recordsUnchanged: z.number().int(),
    sourceExport: z.string().nullable().describe('The export the file is, when this server made it'),
    canariesRemoved: z.number().int().describe('Synthetic canary participants of that export, not imported'),
  }),
);

export const exportPreviewAnswer = describes<ExportPreviewView>()(
  z.object({
    profile: z.string(),
    dates: z.string().describe('year (Safe Harbor), shift (expert determination) or kept'),
    recipient: z.string(),
    forms: z.array(
      z.object({
        oid: z.string(),
        name: z.string(),
        fields: z.array(z.object({ oid: z.string(), label: z.string(), transform: z.string() })),
      }),
    ),
    rows: z.array(
      z.object({
        subject: z.string(),
        site: z.string().nullable(),
        event: z.string(),
        form: z.string(),
        values: z.record(
          z.string(),
          z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]),
        ),
      }),
    ),
  }),
);
