import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { Authorizer, Permit } from '../authz/authorizer.js';
import { trustRowOn } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { type AppError, appError } from '../core/errors.js';
import { reasonSchema } from '../core/reason.js';
import { err, ok, type Result } from '../core/result.js';
import type { FormDefinition } from '../forms/form-definition.js';
import type { FormService, FormVersion } from '../forms/service.js';
import { checkValue, isMissing, validateValues } from '../forms/validate-values.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import * as participantsRepo from '../participants/repo.js';
import { ENROL_STATUSES, type ParticipantService } from '../participants/service.js';
import { participantBySubject } from '../participants/trusted.js';
import type { NewRecord } from '../records/record-creation.js';
import * as recordsRepo from '../records/repo.js';
import type { RecordService } from '../records/service.js';
import { transact } from '../storage/transact.js';
import { knownStudy } from '../studies/known.js';
import * as studiesRepo from '../studies/repo.js';
import { SITES } from '../studies/studies-bindings.js';
import type { VaultDeps } from '../vault/deps.js';
import { formatOf, type ImportItem, readImportItems } from './import-items.js';

export interface ImportReport {
  readonly file: string;
  readonly sha256: string;
  readonly participantsCreated: number;
  readonly recordsCreated: number;
  readonly recordsUpdated: number;
  readonly recordsUnchanged: number;
}

/** What an import reads: a name for the report and audit event, its SHA-256, and its items (read twice). */
export interface ImportSource {
  readonly name: string;
  readonly format: string;
  sha256(): Promise<string>;
  items(): AsyncIterable<ImportItem>;
}

export interface ImportProblem {
  readonly where: string;
  readonly reason: string;
}

const MAX_REPORTED = 1000;
const BATCH = 200;
const SUBJECT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const VISIT = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

function rejected(problems: ImportProblem[], total: number): AppError {
  return appError('IMPORT_REJECTED', `The import was rejected: ${total} problem(s); nothing was changed.`, {
    problems: problems.slice(0, MAX_REPORTED),
    problemCount: total,
  });
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Messages of field checks name the field and the rule, never the value (they reach the operator's terminal). */
function checkPartial(form: FormDefinition, values: Readonly<Record<string, unknown>>): string | undefined {
  const fields = new Map(form.fields.map((f) => [f.oid, f]));
  for (const [name, raw] of Object.entries(values)) {
    const field = fields.get(name);
    if (field === undefined)
      return `${/^[A-Za-z0-9_]{1,64}$/.test(name) ? name : '(invalid name)'} is not a field of ${form.oid}`;
    if (isMissing(raw)) continue;
    const checked = checkValue(field, raw);
    if ('message' in checked) return `${name} ${checked.message}`;
  }
  return undefined;
}

/**
 * Bulk import (REDCap's Data Import Tool): everything is validated first, then committed in one
 * transaction, all or nothing; each rejected item is reported with its line and reason.
 */
export class ImportService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly forms: FormService,
    private readonly participants: ParticipantService,
    private readonly records: RecordService,
    private readonly authorizer: Authorizer,
  ) {}

  async importFile(
    actor: Actor,
    studyId: string,
    path: string,
    reason: unknown,
  ): Promise<Result<ImportReport>> {
    const parsedReason = reasonSchema.safeParse(reason);
    if (!parsedReason.success)
      return err(appError('REASON_REQUIRED', 'An import needs a reason (--reason).'));
    const format = formatOf(path);
    if (format === undefined) {
      return err(
        appError('VALIDATION_FAILED', 'The import file must end in .csv, .jsonl, .ndjson or .json.'),
      );
    }
    if (!existsSync(path)) return err(appError('NOT_FOUND', 'The import file does not exist.'));
    return this.importItems(
      actor,
      studyId,
      {
        name: basename(path),
        format,
        sha256: () => sha256Of(path),
        items: () => readImportItems(path, format),
      },
      parsedReason.data,
    );
  }

  /**
   * Imports items read by the caller (an ODM ClinicalData file, src/export/odm-import.ts), with the
   * same two passes, authorization, all-or-nothing transaction and `import.commit` audit event.
   */
  async importItems(
    actor: Actor,
    studyId: string,
    source: ImportSource,
    reason: unknown,
  ): Promise<Result<ImportReport>> {
    const parsedReason = reasonSchema.safeParse(reason);
    if (!parsedReason.success) return err(appError('REASON_REQUIRED', 'An import needs a reason.'));
    const { db } = this.deps;
    // The study row only when its MAC holds (review s13, H4/H5: a title or demo flag set in SQL).
    const foundStudy = await knownStudy(this.deps, studyId);
    if (!foundStudy.ok) return foundStudy;
    const study = foundStudy.value;
    const permit = await this.authorizer.authorize(actor, 'import.run', { studyId: study.id });
    if (!permit.ok) return permit;
    const { format, name } = source;

    const validated = await this.#validate(study.id, permit.value, source.items());
    if (!validated.ok) return validated;
    const sha256 = await source.sha256();
    return transact(db, async (trx) => {
      const counts = { participantsCreated: 0, recordsCreated: 0, recordsUpdated: 0, recordsUnchanged: 0 };
      type Subject = { id: string; study_id: string; subject_id: string; status: string };
      const known = new Map<string, Subject>();
      const forms = new Map<string, FormVersion>();
      const participantFor = async (
        subjectId: string,
        site: string | undefined,
        status?: string,
        consentDate?: string,
      ): Promise<Result<Subject>> => {
        const cached = known.get(subjectId);
        if (cached !== undefined) return ok(cached);
        // Rows read here are checked like any other read (issue #17): a forged one fails the import.
        const found = await participantBySubject(this.deps, study.id, subjectId, trx);
        if (!found.ok) return found;
        const existing = found.value;
        if (existing !== undefined) {
          known.set(subjectId, existing);
          return ok(existing);
        }
        const checkedSite = await trustRowOn(
          this.deps,
          trx,
          SITES,
          await studiesRepo.findSite(trx, study.id, site ?? ''),
        );
        if (!checkedSite.ok) return checkedSite;
        const siteRow = checkedSite.value;
        if (siteRow === undefined) return err(appError('NOT_FOUND', 'No such site in the study.'));
        const created = await this.participants.enrollInTx(trx, actor, study.id, siteRow, {
          subjectId,
          status: (status ?? 'enrolled') as (typeof ENROL_STATUSES)[number],
          consentDate,
        });
        if (!created.ok) return created;
        counts.participantsCreated++;
        const row = {
          id: created.value.id,
          study_id: study.id,
          subject_id: subjectId,
          status: created.value.status,
        };
        known.set(subjectId, row);
        return ok(row);
      };
      // New records are written in batches (multi-row inserts); the batch is flushed before anything
      // that could depend on it, and at the end. In-file duplicates were refused by the first pass.
      let pending: { where: string; item: NewRecord }[] = [];
      const flush = async (): Promise<Result<null>> => {
        if (pending.length === 0) return ok(null);
        const batch = pending;
        pending = [];
        const created = await this.records.createBatchInTx(
          trx,
          actor,
          batch.map((b) => b.item),
        );
        if (!created.ok) {
          const index = Number(created.error.details?.index ?? 0);
          return err(rejected([{ where: batch[index]?.where ?? 'file', reason: created.error.message }], 1));
        }
        counts.recordsCreated += created.value.length;
        return ok(null);
      };
      for await (const item of source.items()) {
        if (item.kind === 'error') return err(rejected([{ where: item.where, reason: item.reason }], 1));
        const fail = (e: AppError) => err(rejected([{ where: item.where, reason: e.message }], 1));
        if (item.kind === 'participant') {
          const p = await participantFor(item.subjectId, item.site, item.status, item.consentDate);
          if (!p.ok) return fail(p.error);
          continue;
        }
        const p = await participantFor(item.subjectId, item.site);
        if (!p.ok) return fail(p.error);
        let form = forms.get(item.form);
        if (form === undefined) {
          const live = await this.forms.liveForm(study.id, item.form, trx);
          if (!live.ok) return fail(live.error);
          form = live.value;
          forms.set(item.form, form);
        }
        const existing = await recordsRepo.findRecordFor(trx, p.value.id, form.formId, item.visit);
        if (existing === undefined) {
          pending.push({
            where: item.where,
            item: {
              participant: p.value,
              form,
              visit: item.visit,
              values: item.values,
              reason: parsedReason.data,
            },
          });
          if (pending.length >= BATCH) {
            const flushed = await flush();
            if (!flushed.ok) return flushed;
          }
          continue;
        }
        const updated = await this.records.updateInTx(
          trx,
          actor,
          existing.id,
          item.values,
          parsedReason.data,
          undefined,
          permit.value,
        );
        if (updated.ok) counts.recordsUpdated++;
        else if (updated.error.details?.unchanged === true) counts.recordsUnchanged++;
        else return fail(updated.error);
      }
      const flushed = await flush();
      if (!flushed.ok) return flushed;
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'import.commit',
        studyId: study.id,
        target: name,
        reason: parsedReason.data,
        details: { sha256, format, ...counts },
      });
      return ok({ file: name, sha256, ...counts });
    });
  }

  /** First pass: reads every item and collects every problem; nothing is written. */
  async #validate(
    studyId: string,
    permit: Permit,
    items: AsyncIterable<ImportItem>,
  ): Promise<Result<number>> {
    const { db } = this.deps;
    const problems: ImportProblem[] = [];
    let total = 0;
    const problem = (where: string, reason: string) => {
      total++;
      if (problems.length < MAX_REPORTED) problems.push({ where, reason });
    };
    // Only the sites the importer may work at (a coordinator imports for their own site).
    const sites = new Set(
      (await studiesRepo.listSites(db, studyId))
        .filter((s) => permit.sites === 'all' || permit.sites.has(s.id))
        .flatMap((s) => [s.code, s.id]),
    );
    const declared = new Map<string, string | null>(); // subject -> participant id in the store, or null if new
    const recordKeys = new Set<string>();
    const formCache = new Map<string, FormVersion | null>();
    let count = 0;
    for await (const item of items) {
      count++;
      if (item.kind === 'error') {
        problem(item.where, item.reason);
        continue;
      }
      if (!SUBJECT_ID.test(item.subjectId)) {
        problem(item.where, 'subject id must be letters, digits, . _ - (at most 32)');
        continue;
      }
      let subject = declared.get(item.subjectId);
      if (subject === undefined) {
        const existing = await participantsRepo.findBySubject(db, studyId, item.subjectId);
        if (existing !== undefined && !sites.has(existing.site_id)) {
          problem(item.where, 'the subject id is not available to you');
          continue;
        }
        if (existing?.status === 'erased') {
          problem(item.where, 'the participant was erased');
          continue;
        }
        if (existing === undefined && (item.site === undefined || !sites.has(item.site))) {
          problem(
            item.where,
            item.site === undefined
              ? 'unknown subject and no site to enroll it at'
              : 'no such site in the study',
          );
          continue;
        }
        subject = existing?.id ?? null;
        declared.set(item.subjectId, subject);
      } else if (item.kind === 'participant') {
        problem(item.where, 'the participant is declared twice');
        continue;
      }
      if (item.kind === 'participant') {
        if (item.status !== undefined && !(ENROL_STATUSES as readonly string[]).includes(item.status)) {
          problem(item.where, `status must be one of ${ENROL_STATUSES.join(', ')}`);
        }
        if (
          item.consentDate !== undefined &&
          'message' in checkValue({ oid: 'C', label: 'C', type: 'date', class: 'quasi' }, item.consentDate)
        ) {
          problem(item.where, 'consent date must be a date as YYYY-MM-DD');
        }
        continue;
      }
      if (!VISIT.test(item.visit)) {
        problem(item.where, 'visit must be letters, digits, space . _ - (at most 64)');
        continue;
      }
      let form = formCache.get(item.form);
      if (form === undefined) {
        const live = await this.forms.liveForm(studyId, item.form);
        form = live.ok ? live.value : null;
        formCache.set(item.form, form);
      }
      if (form !== null && permit.blinded && form.definition.fields.some((f) => f.class === 'allocation')) {
        problem(item.where, `form ${form.oid} holds treatment allocation, which your role may not see`);
        continue;
      }
      if (form === null) {
        problem(
          item.where,
          `no live form ${/^[A-Z0-9_]{1,64}$/.test(item.form) ? item.form : '(invalid name)'}`,
        );
        continue;
      }
      const key = `${item.subjectId}\u0000${form.oid}\u0000${item.visit}`;
      if (recordKeys.has(key)) {
        problem(item.where, 'the same form and visit appears twice for this subject');
        continue;
      }
      recordKeys.add(key);
      const existing =
        subject === null ? undefined : await recordsRepo.findRecordFor(db, subject, form.formId, item.visit);
      if (existing === undefined) {
        const checked = validateValues(form.definition, item.values);
        if (!checked.ok) {
          const fields = (checked.error.details?.fields ?? {}) as Record<string, string>;
          problem(
            item.where,
            Object.entries(fields)
              .map(([f, m]) => `${f} ${m}`)
              .join('; '),
          );
        }
      } else {
        if (Number(existing.locked) === 1) problem(item.where, 'the record is locked');
        const partial = checkPartial(form.definition, item.values);
        if (partial !== undefined) problem(item.where, partial);
      }
    }
    if (count === 0) problem('file', 'the file holds no participant or record');
    return total === 0 ? ok(count) : err(rejected(problems, total));
  }
}
