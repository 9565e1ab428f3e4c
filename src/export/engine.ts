import type { Kysely } from 'kysely';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { type FormDefinition, formDefinitionSchema } from '../forms/form-definition.js';
import type { Database } from '../storage/schema.js';
import type { Keyring } from '../vault/keyring.js';
import { exportSchedule } from './event-names.js';
import type {
  ExportDataset,
  ExportForm,
  ExportFormat,
  ExportInfo,
  ExportProfile,
  ExportStudy,
} from './export-dataset.js';
import { planForm } from './field-plan.js';
import { assessRisk, QuasiTuples, type RiskReport } from './k-anonymity.js';
import { exportSecret } from './keyed.js';
import type { DirectoryOutput, WrittenFile } from './output.js';
import * as repo from './repo.js';
import { datasetFrom, type SourceSpec, type SubjectRows } from './source.js';
import { writerFor } from './writers.js';

export interface EngineInput {
  readonly db: Kysely<Database>;
  readonly keyring: Keyring;
  readonly studyId: string;
  readonly study: ExportStudy;
  readonly info: ExportInfo;
  readonly format: ExportFormat;
  readonly unblinded: boolean;
  readonly suppress: ReadonlySet<string>;
  /** Only these forms and events, when given. */
  readonly forms?: ReadonlySet<string> | undefined;
  readonly events?: ReadonlySet<string> | undefined;
  readonly k: number;
  readonly studyKey: Uint8Array;
  readonly scrub?: ((text: string) => string) | undefined;
}

export interface EngineResult {
  readonly risk: RiskReport;
  readonly rows: number;
  readonly canaries: number;
  readonly files: readonly WrittenFile[];
}

export const DEMOGRAPHIC = /^(SEX|GENDER|RACE|ETHNIC|ETHNICITY)$/;

/**
 * The quasi-identifiers of the k check: exported quasi-class fields and the classic demographic
 * ones (sex, race, ethnicity). Dates count by year (by day in a limited data set, which releases them). With shifted dates only dates of birth count
 * among dates: other dates are moved by a keyed shift of 5 to 52 weeks an outsider cannot undo; with
 * dates reduced to the year (Safe Harbor), the years exported are the real ones and all count.
 */
export function quasiFields(forms: readonly ExportForm[], profile: ExportProfile) {
  return forms.flatMap((form) =>
    form.fields
      .filter((f) => f.dataClass === 'quasi' || (f.type === 'choice' && DEMOGRAPHIC.test(f.oid)))
      .filter((f) => profile !== 'deidentified' || f.transform !== 'date-shifted' || /BIRTH|DOB/.test(f.oid))
      .map((f) => ({ form: form.oid, field: f })),
  );
}

/**
 * Collects each real participant's quasi-identifier tuple as the dataset streams (the export's files,
 * or a preview's pass), then assesses the k-anonymity of the whole study.
 */
export function riskWatch(forms: readonly ExportForm[], profile: ExportProfile) {
  const quasi = quasiFields(forms, profile);
  const names = [...new Set(quasi.map((q) => q.field.oid))];
  const tuples = new QuasiTuples(names);
  const observe = (subject: SubjectRows) => {
    if (subject.rows.length === 0) return;
    tuples.touch(subject.participant);
    for (const row of subject.rows)
      for (const q of quasi) {
        if (q.form !== row.form) continue;
        const value = row.values[q.field.oid];
        if (value === undefined || value === null) continue;
        const text = String(value);
        const dated = q.field.type === 'date' || q.field.type === 'datetime';
        // A limited data set releases full dates: they count by day, as they leave (review r16 F5).
        const precision = profile === 'limited' ? 10 : 4;
        tuples.note(subject.participant, q.field.oid, dated ? text.slice(0, precision) : text);
      }
  };
  return { observe, assess: (k: number): RiskReport => assessRisk(names, tuples.tuples(), k) };
}

/** The refusal of an export (or preview) below the study's k, with the report and a suggestion. */
export function riskRefusal(risk: RiskReport) {
  return appError(
    'EXPORT_REFUSED',
    risk.suggestion === undefined
      ? `Re-identification risk too high: k = ${risk.k}, below the study's ${risk.threshold}.`
      : `Re-identification risk too high: k = ${risk.k}, below the study's ${risk.threshold}; suppressing ${risk.suggestion.suppress} would give k = ${risk.suggestion.k}.`,
    { risk },
  );
}

export async function planForms(db: Kysely<Database>, input: EngineInput) {
  const definitions = new Map<string, FormDefinition>();
  const forms: ExportForm[] = [];
  for (const live of await repo.liveForms(db, input.studyId)) {
    const definition = formDefinitionSchema.parse(JSON.parse(live.definition));
    definitions.set(live.oid, definition);
    if (input.forms !== undefined && !input.forms.has(definition.oid)) continue;
    const fields = planForm(definition, {
      profile: input.info.profile,
      dates: input.info.dates,
      unblinded: input.unblinded,
      suppress: input.suppress,
      scrub: input.scrub,
    });
    if (fields.length === 0) continue;
    forms.push({
      oid: definition.oid,
      name: definition.name,
      repeating: definition.repeating === true,
      version: live.version,
      fields,
    });
  }
  return { definitions, forms };
}

/**
 * Makes an export: plans the fields under the profile, streams the dataset through the format writer
 * into staging while collecting the quasi-identifiers, then checks the re-identification risk over
 * the whole study: a refused export releases nothing.
 */
export async function runEngine(input: EngineInput, out: DirectoryOutput): Promise<Result<EngineResult>> {
  const writer = writerFor(input.format);
  if (writer === undefined)
    return err(appError('VALIDATION_FAILED', `The ${input.format} format is not available on this server.`));
  const { definitions, forms } = await planForms(input.db, input);
  const spec: SourceSpec = {
    db: input.db,
    keyring: input.keyring,
    studyId: input.studyId,
    study: input.study,
    info: input.info,
    forms,
    definitions,
    studyKey: input.studyKey,
    secret: exportSecret(input.studyKey, input.info.exportId),
    scrub: input.scrub,
    events: input.events,
    schedule: await exportSchedule(input.db, input.studyId),
  };
  // One pass: the quasi-identifiers of the real participants are collected while the files are
  // written to staging; the files are released only if the risk check passes (output.ts).
  const watch = riskWatch(forms, input.info.profile);
  const dataset = datasetFrom(spec, watch.observe);
  let rows = 0;
  const counted: ExportDataset = {
    ...dataset,
    async *rows() {
      rows = 0;
      for await (const row of dataset.rows()) {
        rows++;
        yield row;
      }
    },
  };
  try {
    await writer.write(counted, out);
  } catch (e) {
    out.discard();
    throw e;
  }
  const risk = watch.assess(input.k);
  // An identified export names people: the k check is reported there, not enforced (dual control is).
  if (!risk.passed && input.info.profile !== 'identified') {
    out.discard();
    return err(riskRefusal(risk));
  }
  out.release();
  return ok({ risk, rows, canaries: dataset.canaries(), files: out.files });
}
