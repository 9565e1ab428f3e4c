import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Authorizer } from '../authz/authorizer.js';
import { trustRow } from '../authz/row-tamper.js';
import type { Actor } from '../core/actor.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import type { ImportItem } from '../import/import-items.js';
import type { ImportReport, ImportService } from '../import/service.js';
import { knownStudy } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import { canarySubject } from './canary.js';
import { EXPORTS } from './export-bindings.js';
import type { ExportDataset, ExportProfile, ExportRow } from './export-dataset.js';
import { exportSecret } from './keyed.js';
import { readOdm } from './odm-clinical-data-reader.js';
import * as repo from './repo.js';
import { exportSettings } from './settings.js';

/** An ODM document is parsed whole (fast-xml-parser), so it has a cap; the API's body limit is the same. */
export const MAX_ODM_IMPORT_CHARS = 32 * 1024 * 1024;

export const odmImportSchema = z.strictObject({
  xml: z.string().min(1).max(MAX_ODM_IMPORT_CHARS),
  reason: z.string().trim().min(1).max(500),
  /** The site to enroll new subjects at when the file names none (a de-identified export has no sites). */
  site: z.string().trim().min(1).max(64).optional(),
});

export interface OdmImportReport extends ImportReport {
  /** The export the file is (its FileOID), when this server made it; null for a foreign file. */
  readonly sourceExport: string | null;
  /** Synthetic canary participants of that export, left out (never imported as people). */
  readonly canariesRemoved: number;
}

/**
 * The subject keys of an export's canaries, in file order (issue #16). Canary n follows its
 * neighbour and copies its site, so the keys are matched one after another, never guessed at random.
 */
export async function canaryKeys(
  rows: AsyncIterable<ExportRow>,
  secret: Uint8Array,
  profile: ExportProfile,
  count: number,
): Promise<Set<string>> {
  const found = new Set<string>();
  let last: string | undefined;
  for await (const row of rows) {
    if (found.size >= count) break;
    if (row.subject === last) continue;
    last = row.subject;
    if (row.subject === canarySubject(secret, found.size, profile, row.site)) found.add(row.subject);
  }
  return found;
}

/** The canaries of the export the file claims to be, when this server made it and the importer may export that study. */
async function canariesOf(
  deps: VaultDeps,
  authorizer: Authorizer,
  actor: Actor,
  dataset: ExportDataset,
): Promise<Result<{ source: string | null; canaries: Set<string> }>> {
  const trusted = await trustRow(deps, EXPORTS, await repo.findExport(deps.db, dataset.info.exportId));
  if (!trusted.ok) return trusted;
  const made = trusted.value;
  if (made === undefined) return ok({ source: null, canaries: new Set() });
  // Knowing which rows are canaries would let a recipient strip the fingerprint: only someone who may
  // export the source study learns it (and a file whose FileOID was changed keeps its canaries).
  const allowed = await authorizer.authorize(actor, 'export.run', {
    studyId: made.study_id,
    resource: 'study',
  });
  if (!allowed.ok) return allowed;
  const settings = await exportSettings(deps, actor, made.study_id, deps.clock.now().toISOString());
  if (!settings.ok) return settings;
  const secret = exportSecret(settings.value.key, made.id);
  const profile = made.profile as ExportProfile;
  return ok({
    source: made.id,
    canaries: await canaryKeys(dataset.rows(), secret, profile, Number(made.canaries)),
  });
}

async function* itemsOf(
  dataset: ExportDataset,
  canaries: ReadonlySet<string>,
  site: string | undefined,
): AsyncGenerator<ImportItem> {
  let subjects = 0;
  let last: string | undefined;
  for await (const row of dataset.rows()) {
    if (canaries.has(row.subject)) continue;
    if (row.subject !== last) subjects++;
    last = row.subject;
    // Places name the subject's position, the event and the form, never a value.
    yield {
      kind: 'record',
      where: `SubjectData ${subjects}, StudyEventData ${row.event}, FormData ${row.form}`,
      subjectId: row.subject,
      site: row.site ?? site,
      form: row.form,
      visit: row.event,
      values: row.values,
    };
  }
}

/**
 * Imports an ODM 1.3.2 ClinicalData file written by the export (issue #16, the round trip) into a study
 * with the same forms, through the import service: validated first, all or nothing, one
 * `import.commit` audit event. The canaries of a known export are left out.
 */
export async function importOdm(
  deps: VaultDeps,
  authorizer: Authorizer,
  imports: ImportService,
  actor: Actor,
  studyRef: string,
  input: unknown,
): Promise<Result<OdmImportReport>> {
  const parsed = odmImportSchema.safeParse(input);
  if (!parsed.success) return err(invalidInput(parsed.error, 'The ODM import is invalid.'));
  // The study row only when its MAC holds (review s13, H4/H5: a title or demo flag set in SQL).
  const foundStudy = await knownStudy(deps, studyRef);
  if (!foundStudy.ok) return foundStudy;
  const study = foundStudy.value;
  const permit = await authorizer.authorize(actor, 'import.run', { studyId: study.id });
  if (!permit.ok) return permit;
  const read = readOdm(parsed.data.xml);
  if (!read.ok) return read;
  const dataset = read.value;
  const known = await canariesOf(deps, authorizer, actor, dataset);
  if (!known.ok) return known;
  const { source, canaries } = known.value;
  const sha256 = createHash('sha256').update(parsed.data.xml).digest('hex');
  const imported = await imports.importItems(
    actor,
    study.id,
    {
      name: `${dataset.info.exportId}-odm.xml`.slice(0, 200),
      format: 'odm',
      sha256: async () => sha256,
      items: () => itemsOf(dataset, canaries, parsed.data.site),
    },
    parsed.data.reason,
  );
  if (!imported.ok) return imported;
  return ok({ ...imported.value, sourceExport: source, canariesRemoved: canaries.size });
}
