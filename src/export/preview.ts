import type { Kysely } from 'kysely';
import { z } from 'zod';
import { err, ok, type Result } from '../core/result.js';
import type { Database } from '../storage/schema.js';
import type { Keyring } from '../vault/keyring.js';
import { planForms, riskRefusal, riskWatch } from './engine.js';
import { exportSchedule } from './event-names.js';
import type { ExportForm, ExportInfo, ExportRow, ExportStudy } from './export-dataset.js';
import { exportSecret } from './keyed.js';
import { datasetFrom } from './source.js';

export const PREVIEW_MAX_ROWS = 50;

/** What a preview answers: the forms and fields as exported, and the first rows as the recipient sees them. */
export interface ExportPreview {
  readonly profile: string;
  readonly dates: string;
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
    /** The study's k: a preview shows no row of an export that would be refused (review, 2026-12-03). */
    readonly k: number;
  },
  limit: number,
): Promise<Result<ExportPreview>> {
  const { definitions, forms } = await planForms(input.db, { ...input, format: 'csv', k: input.k });
  const watch = riskWatch(forms, input.info.profile);
  const dataset = datasetFrom(
    {
      ...input,
      forms,
      definitions,
      secret: exportSecret(input.studyKey, input.info.exportId),
      events: input.events,
      schedule: await exportSchedule(input.db, input.studyId),
    },
    watch.observe,
  );
  const rows: ExportRow[] = [];
  // The whole study is read, as the export would, so the risk is the export's, not the first rows'.
  for await (const row of dataset.rows()) if (rows.length < limit) rows.push(row);
  const risk = watch.assess(input.k);
  if (!risk.passed) return err(riskRefusal(risk));
  return ok({
    profile: input.info.profile,
    dates: input.info.dates,
    recipient: input.info.recipient,
    forms,
    rows,
  });
}
