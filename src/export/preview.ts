import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../storage/schema.js';
import type { Keyring } from '../vault/keyring.js';
import { planForms } from './engine.js';
import type { ExportForm, ExportInfo, ExportRow, ExportStudy } from './export-dataset.js';
import { exportSecret } from './keyed.js';
import { datasetFrom } from './source.js';

export const PREVIEW_MAX_ROWS = 50;

/** What a preview answers: the forms and fields as exported, and the first rows as the recipient sees them. */
export interface ExportPreview {
  readonly profile: string;
  readonly recipient: string;
  readonly forms: readonly ExportForm[];
  readonly rows: readonly ExportRow[];
}

export const previewLimitSchema = z.coerce.number().int().min(1).max(PREVIEW_MAX_ROWS).default(20);

/**
 * The first rows of an export, made by the same plan and source as the export itself (same profile,
 * blinding, suppression, date shifts for the recipient, canaries among the rows), under a preview id
 * of its own: its pseudonyms are not those of any export. Nothing is written.
 */
export async function previewRows(
  input: {
    readonly db: Kysely<Database>;
    readonly keyring: Keyring;
    readonly studyId: string;
    readonly study: ExportStudy;
    readonly info: ExportInfo;
    readonly unblinded: boolean;
    readonly suppress: ReadonlySet<string>;
    readonly forms?: ReadonlySet<string> | undefined;
    readonly events?: ReadonlySet<string> | undefined;
    readonly studyKey: Uint8Array;
    readonly scrub?: ((text: string) => string) | undefined;
  },
  limit: number,
): Promise<ExportPreview> {
  const { definitions, forms } = await planForms(input.db, { ...input, format: 'csv', k: 0 });
  const dataset = datasetFrom({
    ...input,
    forms,
    definitions,
    secret: exportSecret(input.studyKey, input.info.exportId),
    events: input.events,
  });
  const rows: ExportRow[] = [];
  for await (const row of dataset.rows()) {
    rows.push(row);
    if (rows.length >= limit) break;
  }
  return { profile: input.info.profile, recipient: input.info.recipient, forms, rows };
}
