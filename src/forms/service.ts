import type { Authorizer } from '../authz/authorizer.js';
import { trustRows } from '../authz/row-tamper.js';
import { rowForChange, sameRowForChange, trustRowOn } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';
import { knownStudy, refuseClosed } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import { clinicalLookalikes } from './class-hints.js';
import { type FormDefinition, parseFormDefinition } from './form-definition.js';
import { exportDictionary, importDictionary } from './form-dictionary.js';
import { diffDefinitions } from './form-diff.js';
import { openForDesign, saveDraft, toFormVersion } from './form-drafts.js';
import { FORM_VERSIONS, FORMS } from './forms-bindings.js';
import type {
  DictionaryFormat,
  FormDiff,
  FormListing,
  FormVersion,
  FormVersionSummary,
} from './forms-view.js';
import * as repo from './repo.js';

export type { FormListing, FormVersion, FormVersionSummary } from './forms-view.js';

/** Form definitions are versioned; a live version never changes (21 CFR 11.10(k): controlled documentation). */
export class FormService {
  /** Live versions are immutable, so their parsed definitions can be cached forever. */
  readonly #liveCache = new Map<string, FormVersion>();

  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
  ) {}

  /** Saves a definition as the form's draft: a new form, the open draft, or a new draft after a live version. */
  async defineForm(
    actor: Actor,
    studyId: string,
    input: unknown,
    options: { readonly expect?: 'new' | string } = {},
  ): Promise<Result<FormVersion>> {
    const known = await knownStudy(this.deps, studyId);
    if (!known.ok) return known;
    const permit = await this.authorizer.authorize(actor, 'form.manage', { studyId: known.value.id });
    if (!permit.ok) return permit;
    const study = openForDesign(known.value);
    if (!study.ok) return study;
    const definition = parseFormDefinition(input);
    if (!definition.ok) return definition;
    const oid = definition.value.oid;
    if (options.expect !== undefined && options.expect !== 'new' && options.expect !== oid) {
      return err(
        appError('VALIDATION_FAILED', 'The definition is of another form: its OID must stay.', { form: oid }),
      );
    }
    return transact(this.deps.db, async (trx) => {
      const saved = await saveDraft(this.deps, trx, actor, study.value, definition.value);
      if (!saved.ok) return saved;
      if (options.expect === 'new' && !saved.value.created) {
        return err(
          appError('ALREADY_EXISTS', 'A form with this OID exists: save its draft instead.', { form: oid }),
        );
      }
      const { created: _, ...version } = saved.value;
      return ok(version);
    });
  }

  /** Changes one given version; refused once it is live. */
  async updateVersion(actor: Actor, versionId: string, input: unknown): Promise<Result<FormVersion>> {
    const { db } = this.deps;
    const found = await trustRowOn(this.deps, db, FORM_VERSIONS, await repo.findVersion(db, versionId));
    if (!found.ok) return found;
    const row = found.value;
    if (row === undefined) return err(appError('NOT_FOUND', 'No such form version.'));
    if (row.status === 'live') {
      return err(
        appError('FORM_VERSION_IMMUTABLE', 'A live form version never changes: save a new draft instead.'),
      );
    }
    const owner = await this.#form(db, row.form_id);
    if (!owner.ok) return owner;
    const form = owner.value;
    const permit = await this.authorizer.authorize(actor, 'form.manage', { studyId: form.study_id });
    if (!permit.ok) return permit;
    const definition = parseFormDefinition(input);
    if (!definition.ok) return definition;
    if (definition.value.oid !== form.oid) {
      return err(appError('VALIDATION_FAILED', 'A new version must keep the form OID.'));
    }
    const text = JSON.stringify(definition.value);
    return transact(db, async (trx): Promise<Result<FormVersion>> => {
      // A study closed meanwhile takes no draft, and the draft changed is the one checked above
      // (review s13: its form or version moved in SQL meanwhile was sealed).
      const closed = await refuseClosed(this.deps, trx, form.study_id);
      if (!closed.ok) return closed;
      const same = await sameRowForChange(this.deps, trx, FORM_VERSIONS, row);
      if (!same.ok) return same;
      if (!(await repo.updateDraft(trx, row.id, text))) {
        return err(
          appError('FORM_VERSION_IMMUTABLE', 'A live form version never changes: save a new draft instead.'),
        );
      }
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'form.draft',
        studyId: form.study_id,
        target: `${form.oid}@${row.version}`,
        seals: [[FORM_VERSIONS, [row.id]]],
      });
      return ok(toFormVersion(form, { ...row, definition: text }));
    });
  }

  /**
   * Makes the draft live, with the reason in its audit event. Refused (CLASS_CONFIRMATION_REQUIRED,
   * naming the fields) when a field classed clinical looks like an identifier, unless each such field
   * is confirmed in `confirmClinical`: a clinical value is stored in the clear and shown to every role.
   */
  async publish(
    actor: Actor,
    studyId: string,
    oid: string,
    options: { readonly reason?: string; readonly confirmClinical?: readonly string[] } = {},
  ): Promise<Result<FormVersion>> {
    const { db, clock } = this.deps;
    const known = await knownStudy(this.deps, studyId);
    if (!known.ok) return known;
    const found = await trustRowOn(this.deps, db, FORMS, await repo.findForm(db, known.value.id, oid));
    if (!found.ok) return found;
    const form = found.value;
    const permit = await this.authorizer.authorize(actor, 'form.manage', { studyId: known.value.id });
    if (!permit.ok) return permit;
    if (form === undefined) return err(appError('NOT_FOUND', 'No such form.'));
    const open = openForDesign(known.value);
    if (!open.ok) return open;
    const last = await trustRowOn(this.deps, db, FORM_VERSIONS, await repo.latestVersion(db, form.id));
    if (!last.ok) return last;
    const latest = last.value;
    if (latest === undefined || latest.status !== 'draft') {
      return err(appError('CONFLICT', 'The form has no draft to publish.'));
    }
    const reclassified = await this.#reclassified(form.id, latest.definition);
    if (!reclassified.ok) return reclassified;
    if (reclassified.value.length > 0) {
      return err(
        appError(
          'VALIDATION_FAILED',
          "A published field keeps its data class: add a new field instead of changing one's class.",
          { fields: reclassified.value },
        ),
      );
    }
    const confirmed = new Set(options.confirmClinical ?? []);
    const fields = (JSON.parse(latest.definition) as FormDefinition).fields;
    const lookalikes = clinicalLookalikes(fields);
    const unconfirmed = lookalikes.filter((f) => !confirmed.has(f.field));
    if (unconfirmed.length > 0) {
      const named = unconfirmed.map((f) => `${f.field} (looks like ${f.suggested})`).join(', ');
      return err(
        appError(
          'CLASS_CONFIRMATION_REQUIRED',
          `Fields classed clinical are stored in the clear but look like identifiers: ${named}. Reclassify them, or confirm each as clinical.`,
          { fields: unconfirmed },
        ),
      );
    }
    return transact(db, async (trx): Promise<Result<FormVersion>> => {
      // Inside the transaction (review s13, H6): a study closed meanwhile takes no form, and the draft
      // this event seals is the one checked above (a definition changed in SQL is refused, not sealed).
      const closed = await refuseClosed(this.deps, trx, form.study_id);
      if (!closed.ok) return closed;
      const stored = await rowForChange<typeof latest>(this.deps, trx, FORM_VERSIONS, [latest.id]);
      if (!stored.ok) return stored;
      if (stored.value?.definition !== latest.definition)
        return err(appError('CONFLICT', 'The draft changed meanwhile; review it and publish again.'));
      const now = clock.now().toISOString();
      if (!(await repo.publishVersion(trx, latest.id, now))) {
        return err(appError('CONFLICT', 'The draft was published meanwhile.'));
      }
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'form.publish',
        studyId: form.study_id,
        target: `${form.oid}@${latest.version}`,
        reason: options.reason ?? null,
        ...(lookalikes.length === 0
          ? {}
          : { details: { confirmedClinical: lookalikes.map((f) => f.field) } }),
        seals: [[FORM_VERSIONS, [latest.id]]],
      });
      return ok(toFormVersion(form, { ...latest, status: 'live', published_at: now }));
    });
  }

  /**
   * Fields of the draft whose data class differs from a published version's. A class decides who may
   * reveal a value and whether it is sealed at all: reclassifying `identifier` or `allocation` as
   * `clinical` would store the next version's values in the clear and show them to every reader, so
   * form.manage would give its holder (and everyone) what no grant gives (ASVS 8.2.1; ICH E9 2.3.1).
   */
  async #reclassified(formId: string, draft: string): Promise<Result<string[]>> {
    const next = new Map((JSON.parse(draft) as FormDefinition).fields.map((f) => [f.oid, f.class] as const));
    const changed = new Set<string>();
    // The published classes compared against must be the ones published (issue #17).
    const live = await trustRows(this.deps, FORM_VERSIONS, await repo.liveVersions(this.deps.db, formId));
    if (!live.ok) return live;
    for (const version of live.value) {
      for (const field of (JSON.parse(version.definition) as FormDefinition).fields) {
        const now = next.get(field.oid);
        if (now !== undefined && now !== field.class) changed.add(field.oid);
      }
    }
    return ok([...changed]);
  }

  /** The live definition of a form, for rendering data entry (study.read). */
  async getLiveForm(actor: Actor, studyId: string, oid: string): Promise<Result<FormVersion>> {
    const known = await knownStudy(this.deps, studyId);
    if (!known.ok) return known;
    const study = known.value;
    const permit = await this.authorizer.authorize(actor, 'study.read', { studyId: study.id });
    if (!permit.ok) return permit;
    const form = await this.liveForm(study.id, oid);
    if (!form.ok || !permit.value.blinded) return form;
    // Blinded readers do not even see the allocation fields of a form (ICH E9 2.3.1).
    const fields = form.value.definition.fields.filter((f) => f.class !== 'allocation');
    return ok({ ...form.value, definition: { ...form.value.definition, fields } });
  }

  /**
   * The version new data is entered on: the latest live one (internal: callers authorize first). Both
   * rows are checked on every call, cache hit or not: a definition whose data class was changed in SQL
   * would store new values in the clear, so it is never used (ROW_TAMPERED; issue #17).
   */
  async liveForm(studyId: string, oid: string, db = this.deps.db): Promise<Result<FormVersion>> {
    const live = await repo.findLiveForm(db, studyId, oid);
    if (live === undefined) return err(appError('NOT_FOUND', 'No live version of this form.', { form: oid }));
    const form = await trustRowOn(this.deps, db, FORMS, live.form);
    if (!form.ok) return form;
    const version = await trustRowOn(this.deps, db, FORM_VERSIONS, live.version);
    if (!version.ok) return version;
    const cached = this.#liveCache.get(live.version.id);
    if (cached !== undefined) return ok(cached);
    const parsed = toFormVersion(live.form, live.version);
    this.#liveCache.set(live.version.id, parsed);
    return ok(parsed);
  }

  /** Any version by id (records keep the version they were entered on); checked when read from the store. */
  async formVersion(versionId: string, db = this.deps.db): Promise<Result<FormVersion>> {
    const cached = this.#liveCache.get(versionId);
    if (cached !== undefined) return ok(cached);
    const found = await trustRowOn(this.deps, db, FORM_VERSIONS, await repo.findVersion(db, versionId));
    if (!found.ok) return found;
    const row = found.value;
    if (row === undefined) return err(appError('NOT_FOUND', 'No such form version.'));
    const form = await this.#form(db, row.form_id);
    if (!form.ok) return form;
    const version = toFormVersion(form.value, row);
    if (row.status === 'live') this.#liveCache.set(row.id, version);
    return ok(version);
  }

  async #form(db: VaultDeps['db'], formId: string): Promise<Result<repo.FormRow>> {
    const found = await trustRowOn(this.deps, db, FORMS, await repo.findFormById(db, formId));
    return found.ok ? ok(found.value as repo.FormRow) : found;
  }

  async listForms(actor: Actor, studyId: string): Promise<Result<FormListing[]>> {
    const known = await knownStudy(this.deps, studyId);
    if (!known.ok) return known;
    const study = known.value;
    const permit = await this.authorizer.authorize(actor, 'study.read', { studyId: study.id });
    if (!permit.ok) return permit;
    const rows = await repo.listForms(this.deps.db, study.id);
    return ok(
      rows.map((r) => ({
        oid: r.oid,
        name: r.name,
        versionId: r.version_id,
        version: Number(r.version),
        status: r.status,
        publishedAt: r.published_at,
      })),
    );
  }

  /** A form's versions, oldest first, without definitions (study.read). */
  async listVersions(actor: Actor, studyId: string, oid: string): Promise<Result<FormVersionSummary[]>> {
    const versions = await this.#versions(actor, studyId, oid, 'study.read');
    if (!versions.ok) return versions;
    return ok(
      versions.value.rows.map((r) => ({
        versionId: r.id,
        version: Number(r.version),
        status: r.status,
        createdAt: r.created_at,
        publishedAt: r.published_at,
        fields: (JSON.parse(r.definition) as FormDefinition).fields.length,
      })),
    );
  }

  /** One version with its definition, drafts included, for the designer (form.manage). */
  async getVersion(
    actor: Actor,
    studyId: string,
    oid: string,
    version: number,
  ): Promise<Result<FormVersion>> {
    const versions = await this.#versions(actor, studyId, oid, 'form.manage');
    if (!versions.ok) return versions;
    const row = versions.value.rows.find((r) => Number(r.version) === version);
    if (row === undefined) return err(appError('NOT_FOUND', 'No such form version.'));
    return ok(toFormVersion(versions.value.form, row));
  }

  /** The field-level difference of two versions (form.manage: it shows every field, allocation included). */
  async diff(
    actor: Actor,
    studyId: string,
    oid: string,
    from: number,
    to: number,
  ): Promise<Result<FormDiff>> {
    const versions = await this.#versions(actor, studyId, oid, 'form.manage');
    if (!versions.ok) return versions;
    const pick = (n: number) => versions.value.rows.find((r) => Number(r.version) === n);
    const a = pick(from);
    const b = pick(to);
    if (a === undefined || b === undefined) {
      return err(
        appError('NOT_FOUND', 'No such form version.', { form: oid, missing: a === undefined ? from : to }),
      );
    }
    const def = (r: repo.FormVersionRow) => ({
      version: Number(r.version),
      definition: JSON.parse(r.definition) as FormDefinition,
    });
    return ok(diffDefinitions(oid, def(a), def(b)));
  }

  async #versions(actor: Actor, studyId: string, oid: string, action: 'study.read' | 'form.manage') {
    const known = await knownStudy(this.deps, studyId);
    if (!known.ok) return known;
    const permit = await this.authorizer.authorize(actor, action, { studyId: known.value.id });
    if (!permit.ok) return permit;
    const found = await trustRows(
      this.deps,
      FORMS,
      [await repo.findForm(this.deps.db, known.value.id, oid)].filter((f) => f !== undefined),
    );
    if (!found.ok) return found;
    const form = found.value[0];
    if (form === undefined) return err(appError('NOT_FOUND', 'No such form.'));
    const rows = await trustRows(this.deps, FORM_VERSIONS, await repo.listVersions(this.deps.db, form.id));
    return rows.ok ? ok({ form, rows: rows.value }) : rows;
  }

  /** Imports a data dictionary as drafts, all or nothing (form-dictionary.ts). */
  importDictionary(actor: Actor, studyId: string, input: unknown) {
    return importDictionary(this.deps, this.authorizer, actor, studyId, input);
  }

  /** The latest version of every form of the study as a data dictionary (form-dictionary.ts). */
  exportDictionary(actor: Actor, studyId: string, format: DictionaryFormat) {
    return exportDictionary(this.deps, this.authorizer, actor, studyId, format);
  }
}
