import { z } from 'zod';
import { type Authorizer, FULL_PERMIT, type Permit } from '../access/authorizer.js';
import type { Action } from '../access/roles.js';
import { trustRow } from '../access/row-tamper.js';
import { appendAuditEvent, appendAuditEvents, listAuditEvents } from '../audit/repo.js';
import { type Actor, actorLabel } from '../core/actor.js';
import { type AppError, appError } from '../core/errors.js';
import { invalidInput } from '../core/invalid-input.js';
import { reasonSchema } from '../core/reason.js';
import { err, ok, type Result } from '../core/result.js';
import { blindIndexToken } from '../crypto/blind-index.js';
import { type DataClass, type FormDefinition, isProtected } from '../forms/form-definition.js';
import type { FormService, FormVersion } from '../forms/service.js';
import { type FieldValue, type FieldValues, validateValues } from '../forms/validate-values.js';
import { lookupSeal, PARTICIPANTS } from '../participants/participants-bindings.js';
import * as participants from '../participants/repo.js';
import { trustParticipants } from '../participants/trusted.js';
import { type Tx, transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import type { ParticipantKey } from '../vault/keyring.js';
import {
  type NewRecord,
  type ParticipantRef,
  type PreparedRecord,
  prepareRecord,
} from './record-creation.js';
import {
  type OpenedValues,
  openValues,
  REVEAL_ALL,
  sealValues,
  type VersionPlace,
  type ViewPolicy,
} from './record-values.js';
import * as repo from './repo.js';
import { versionDigest } from './version-digest.js';

export interface RecordView {
  readonly id: string;
  readonly studyId: string;
  readonly participantId: string;
  readonly subjectId: string;
  readonly form: string;
  readonly formVersionId: string;
  readonly visit: string;
  readonly version: number;
  readonly locked: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly values: Record<string, FieldValue>;
  readonly masked: string[];
  readonly unavailable: string[];
}

export type Shown =
  | { readonly value: FieldValue | null }
  | { readonly masked: true }
  | { readonly unavailable: true };

export interface HistoryEntry {
  readonly action: 'create' | 'update' | 'lock' | 'unlock';
  readonly version: number;
  readonly at: string;
  readonly actor: string;
  readonly reason: string | null;
  readonly changes: readonly { readonly field: string; readonly old: Shown; readonly new: Shown }[];
}

const VISIT = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
const valuesSchema = z.record(z.string().max(64), z.unknown());
export const createRecordSchema = z.strictObject({
  participantId: z.string().min(1).max(64),
  form: z.string().min(1).max(64),
  visit: z.string().regex(VISIT, 'letters, digits, space . _ - (at most 64)'),
  values: valuesSchema,
  reason: z.string().max(1000).optional(),
});
export const updateRecordSchema = z.strictObject({
  changes: valuesSchema,
  reason: z.unknown().optional(),
  expectedVersion: z.number().int().positive().optional(),
});

const REASON_REQUIRED = appError(
  'REASON_REQUIRED',
  'A reason for change is required for every change after first entry.',
);

function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  return a === b;
}

export class RecordService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly forms: FormService,
    private readonly authorizer: Authorizer,
  ) {}

  /** Authorizes an action on a record; asking to reveal needs a role that may reveal something. */
  async #permit(
    actor: Actor,
    action: Action,
    record: repo.RecordWithContext,
    reveal: boolean,
  ): Promise<Result<Permit>> {
    // The participant's site decides who may act on the record: its row is checked first (issue #17).
    const owner = await trustRow(this.deps, PARTICIPANTS, repo.participantRowOf(record));
    if (!owner.ok) return owner;
    const permit = await this.authorizer.authorize(actor, action, {
      studyId: record.study_id,
      siteId: record.site_id,
    });
    if (!permit.ok) return permit;
    if (reveal && permit.value.reveal.size === 0) {
      return err(
        appError(
          'FORBIDDEN',
          'Your role may not reveal protected values (or the session lacks a second factor).',
        ),
      );
    }
    return permit;
  }

  async create(actor: Actor, input: unknown): Promise<Result<RecordView>> {
    const created = await this.createMany(actor, [input]);
    if (!created.ok) return created;
    const [view] = created.value;
    return view === undefined ? err(appError('INTERNAL', 'No record was created.')) : ok(view);
  }

  /**
   * First entries of many records in one transaction, all or nothing: every record gets its version 1,
   * lookup tokens and audit event, written with multi-row inserts. A failure names the item's index.
   */
  async createMany(actor: Actor, inputs: readonly unknown[]): Promise<Result<RecordView[]>> {
    const items: NewRecord[] = [];
    const participantCache = new Map<string, participants.ParticipantWithSite | undefined>();
    const formCache = new Map<string, Result<FormVersion>>();
    const permits = new Map<string, Result<Permit>>();
    for (const [index, input] of inputs.entries()) {
      const parsed = createRecordSchema.safeParse(input);
      if (!parsed.success) return err(atIndex(invalidInput(parsed.error), index, inputs.length));
      const { participantId, form: oid } = parsed.data;
      if (!participantCache.has(participantId)) {
        const found = await participants.findParticipant(this.deps.db, participantId);
        const checked =
          found === undefined ? ok([]) : await trustParticipants(this.deps, this.deps.db, [found]);
        if (!checked.ok) return err(atIndex(checked.error, index, inputs.length));
        participantCache.set(participantId, found);
      }
      const participant = participantCache.get(participantId);
      if (participant === undefined) {
        return err(atIndex(appError('NOT_FOUND', 'No such participant.'), index, inputs.length));
      }
      let permit = permits.get(participant.id);
      if (permit === undefined) {
        permit = await this.authorizer.authorize(actor, 'record.write', {
          studyId: participant.study_id,
          siteId: participant.site_id,
        });
        permits.set(participant.id, permit);
      }
      if (!permit.ok) return err(atIndex(permit.error, index, inputs.length));
      const formKey = `${participant.study_id}/${oid}`;
      let form = formCache.get(formKey);
      if (form === undefined) {
        form = await this.forms.liveForm(participant.study_id, oid);
        formCache.set(formKey, form);
      }
      if (!form.ok) return err(atIndex(form.error, index, inputs.length));
      const blinded = blindedForm(form.value, permit.value);
      if (!blinded.ok) return err(atIndex(blinded.error, index, inputs.length));
      items.push({
        participant,
        form: form.value,
        visit: parsed.data.visit,
        values: parsed.data.values,
        reason: parsed.data.reason,
      });
    }
    return transact(this.deps.db, (trx) => this.createBatchInTx(trx, actor, items));
  }

  /** First entry of a record, inside the caller's transaction (also used by bulk import and the demo). */
  async createInTx(
    trx: Tx,
    actor: Actor,
    participant: ParticipantRef,
    form: FormVersion,
    visit: string,
    values: Readonly<Record<string, unknown>>,
    reason: string | undefined,
  ): Promise<Result<RecordView>> {
    const created = await this.createBatchInTx(trx, actor, [{ participant, form, visit, values, reason }]);
    if (!created.ok) return created;
    const [view] = created.value;
    return view === undefined ? err(appError('INTERNAL', 'No record was created.')) : ok(view);
  }

  /** First entries of many records inside the caller's transaction (bulk import, demo, createMany). */
  async createBatchInTx(trx: Tx, actor: Actor, items: readonly NewRecord[]): Promise<Result<RecordView[]>> {
    const { keyring, clock } = this.deps;
    const existing = await repo.existingRecordKeys(
      trx,
      items.map((i) => ({ participantId: i.participant.id, formId: i.form.formId, visit: i.visit })),
    );
    const now = clock.now().toISOString();
    const prepared: PreparedRecord[] = [];
    for (const [index, item] of items.entries()) {
      const fail = (error: AppError) => err<RecordView[]>(atIndex(error, index, items.length));
      if (item.participant.status === 'erased') {
        return fail(appError('PARTICIPANT_ERASED', 'The participant was erased.'));
      }
      const key = repo.recordKey(item.participant.id, item.form.formId, item.visit);
      if (existing.has(key)) {
        return fail(
          appError('ALREADY_EXISTS', 'This form already has a record at this visit: update it instead.'),
        );
      }
      existing.add(key);
      const participantKey = await keyring.participantKey(trx, item.participant.id);
      if (!participantKey.ok) return fail(participantKey.error);
      const one = prepareRecord(actor, now, participantKey.value, (id) => keyring.blindIndexKey(id), item);
      if (!one.ok) return fail(one.error);
      prepared.push(one.value);
    }
    await repo.insertRecords(
      trx,
      prepared.map((p) => p.record),
    );
    await repo.insertVersions(
      trx,
      prepared.map((p) => p.version),
    );
    await participants.insertLookupTokens(
      trx,
      prepared.flatMap((p) => p.tokens),
    );
    // Each record's event seals the lookup tokens it indexed (issue #17).
    await appendAuditEvents(
      trx,
      this.deps,
      prepared.map((p) => ({ ...p.event, seals: p.tokens.map(lookupSeal) })),
    );
    return ok(
      prepared.map((p, i) => ({
        ...this.#view(p.record, items[i]?.form as FormVersion, items[i]?.participant.subject_id ?? ''),
        values: p.clear as Record<string, FieldValue>,
        masked: p.sealedFields,
        unavailable: [],
      })),
    );
  }

  /** A change after first entry: a new immutable version, always with a reason (21 CFR 11.10(e)). */
  async update(actor: Actor, recordId: string, input: unknown): Promise<Result<RecordView>> {
    const parsed = updateRecordSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error));
    const reason = reasonSchema.safeParse(parsed.data.reason);
    if (!reason.success) return err(REASON_REQUIRED);
    const record = await repo.findRecord(this.deps.db, recordId);
    if (record === undefined) return err(appError('NOT_FOUND', 'No such record.'));
    const permit = await this.#permit(actor, 'record.write', record, false);
    if (!permit.ok) return permit;
    const form = await this.forms.liveForm(record.study_id, record.form_oid);
    if (!form.ok) return form;
    const blinded = blindedForm(form.value, permit.value);
    if (!blinded.ok) return blinded;
    return transact(this.deps.db, (trx) =>
      this.updateInTx(
        trx,
        actor,
        recordId,
        parsed.data.changes,
        reason.data,
        parsed.data.expectedVersion,
        permit.value,
      ),
    );
  }

  async updateInTx(
    trx: Tx,
    actor: Actor,
    recordId: string,
    changes: Readonly<Record<string, unknown>>,
    reason: string,
    expectedVersion?: number,
    /** What the writer may read; the operator (import by CLI, demo) reads everything. */
    permit: Permit = FULL_PERMIT,
  ): Promise<Result<RecordView>> {
    if (!reasonSchema.safeParse(reason).success) return err(REASON_REQUIRED);
    const record = await repo.findRecord(trx, recordId);
    if (record === undefined) return err(appError('NOT_FOUND', 'No such record.'));
    if (record.participant_status === 'erased') {
      return err(appError('PARTICIPANT_ERASED', 'The participant was erased.'));
    }
    if (Number(record.locked) === 1)
      return err(appError('RECORD_LOCKED', 'The record is locked: unlock it first.'));
    const from = Number(record.version);
    if (expectedVersion !== undefined && expectedVersion !== from) {
      return err(appError('CONFLICT', 'The record changed since it was read.', { currentVersion: from }));
    }
    const key = await this.deps.keyring.participantKey(trx, record.participant_id);
    if (!key.ok) return key;
    const current = await this.#openVersion(trx, record, from, key.value, REVEAL_ALL);
    if (!current.ok) return current;
    const form = await this.forms.liveForm(record.study_id, record.form_oid, trx);
    if (!form.ok) return form;
    const merged: Record<string, unknown> = { ...current.value.values, ...changes };
    const values = validateValues(form.value.definition, merged);
    if (!values.ok) return values;
    const before = current.value.values;
    // Changed fields in form order; fields of an older form version that were dropped come last.
    const order = form.value.definition.fields.map((f) => f.oid);
    const fields = new Set([...order, ...Object.keys(before)]);
    // No equality oracle (ASVS 8.2.2, 8.3.1; HIPAA 164.312(a)(1)): a protected field the writer may not
    // reveal counts as written whether or not the value differs, so "changes no value" and the version's
    // changed fields never tell such a writer whether its guess equals the stored value.
    const blind = new Set(
      form.value.definition.fields
        .filter((f) => f.oid in changes && isProtected(f) && !permit.reveal.has(f.class))
        .map((f) => f.oid),
    );
    const changed = [...fields].filter((f) => blind.has(f) || !sameValue(before[f], values.value[f]));
    if (changed.length === 0) {
      return err(appError('VALIDATION_FAILED', 'The update changes no value.', { unchanged: true }));
    }
    const now = this.deps.clock.now().toISOString();
    if (!(await repo.advanceVersion(trx, record.id, from, now))) {
      return err(appError('CONFLICT', 'The record changed or was locked meanwhile; read it again.'));
    }
    const version = from + 1;
    const place = {
      studyId: record.study_id,
      participantId: record.participant_id,
      recordId: record.id,
      version,
    };
    const { clear, sealed } = sealValues(form.value.definition, values.value, key.value, place);
    const versionRow: repo.RecordVersionRow = {
      record_id: record.id,
      version,
      form_version_id: form.value.versionId,
      actor: actorLabel(actor),
      reason,
      created_at: now,
      clear_values: JSON.stringify(clear),
      sealed_values: JSON.stringify(sealed),
      changed_fields: JSON.stringify(changed),
    };
    await repo.insertVersion(trx, versionRow);
    const participant = { id: record.participant_id, study_id: record.study_id };
    const indexed = await this.#indexLookups(trx, form.value.definition, participant, before, values.value);
    await appendAuditEvent(trx, this.deps, {
      seals: indexed.map(lookupSeal),
      actor,
      action: 'record.update',
      at: now,
      studyId: record.study_id,
      participantId: record.participant_id,
      recordId: record.id,
      target: `${record.form_oid}/${record.visit}`,
      reason,
      details: {
        version,
        formVersion: form.value.version,
        fields: changed,
        ...(blind.size === 0 ? {} : { blind: [...blind] }),
        // The protected values decrypted to compare old with new: a decryption for any purpose is audited.
        decrypted: form.value.definition.fields
          .filter((f) => isProtected(f) && f.oid in before)
          .map((f) => f.oid),
        digest: versionDigest(versionRow),
      },
    });
    return ok({
      ...this.#view({ ...record, version, updated_at: now }, form.value, record.subject_id),
      values: clear,
      masked: Object.keys(sealed),
      unavailable: [],
    });
  }

  /** Reads the current version; protected values only with reveal, and every reveal is audited. */
  async read(
    actor: Actor,
    recordId: string,
    options: { reveal?: boolean } = {},
  ): Promise<Result<RecordView>> {
    const { db } = this.deps;
    const record = await repo.findRecordWithCurrent(db, recordId);
    if (record === undefined) return err(appError('NOT_FOUND', 'No such record.'));
    const permit = await this.#permit(actor, 'record.read', record, options.reveal === true);
    if (!permit.ok) return permit;
    const key = await this.#keyFor(record);
    if (!key.ok) return key;
    const version = Number(record.version);
    const { form_version_id, clear_values, sealed_values } = record;
    if (form_version_id === null || clear_values === null || sealed_values === null)
      return err(missingVersion(record.id));
    const row = { form_version_id, clear_values, sealed_values };
    const form = await this.forms.formVersion(row.form_version_id);
    if (!form.ok) return form;
    const policy = viewPolicy(form.value.definition, permit.value, options.reveal === true);
    const place = {
      studyId: record.study_id,
      participantId: record.participant_id,
      recordId: record.id,
      version,
    };
    const opened = openValues(row.clear_values, row.sealed_values, key.value, place, policy);
    if (!opened.ok) return opened;
    const view = { ...this.#view(record, form.value, record.subject_id), ...opened.value };
    // Nothing is opened unless a reveal was asked for (viewPolicy), so nothing to audit either.
    const revealed =
      key.value === null || options.reveal !== true
        ? []
        : Object.keys(JSON.parse(row.sealed_values)).filter((f) => policy.reveal(f) && !policy.hide(f));
    if (revealed.length === 0) return ok(view);
    return transact(db, async (trx) => {
      await this.#auditReveal(trx, actor, record, revealed, [version]);
      return ok(view);
    });
  }

  /** Who changed what, when and why: every version with old -> new per field, and lock/unlock. */
  async history(
    actor: Actor,
    recordId: string,
    options: { reveal?: boolean } = {},
  ): Promise<Result<HistoryEntry[]>> {
    const { db } = this.deps;
    const record = await repo.findRecord(db, recordId);
    if (record === undefined) return err(appError('NOT_FOUND', 'No such record.'));
    const permit = await this.#permit(actor, 'record.read', record, options.reveal === true);
    if (!permit.ok) return permit;
    const key = await this.#keyFor(record);
    if (!key.ok) return key;
    const versions = await repo.listVersions(db, record.id);
    const revealed = new Set<string>();
    const entries: HistoryEntry[] = [];
    let previous: OpenedValues = { values: {}, masked: [], unavailable: [] };
    for (const row of versions) {
      const version = Number(row.version);
      const place: VersionPlace = {
        studyId: record.study_id,
        participantId: record.participant_id,
        recordId: record.id,
        version,
      };
      const form = await this.forms.formVersion(row.form_version_id);
      if (!form.ok) return form;
      const policy = viewPolicy(form.value.definition, permit.value, options.reveal === true);
      const opened = openValues(row.clear_values, row.sealed_values, key.value, place, policy);
      if (!opened.ok) return opened;
      for (const field of Object.keys(JSON.parse(row.sealed_values))) {
        if (key.value !== null && policy.reveal(field) && !policy.hide(field)) revealed.add(field);
      }
      // Blinded callers never learn that an allocation field changed, nor its values (ICH E9 2.3.1).
      const changes = (JSON.parse(row.changed_fields) as string[])
        .filter((field) => !policy.hide(field))
        .map((field) => ({ field, old: shown(previous, field), new: shown(opened.value, field) }));
      entries.push({
        action: version === 1 ? 'create' : 'update',
        version,
        at: row.created_at,
        actor: row.actor,
        reason: row.reason,
        changes,
      });
      previous = opened.value;
    }
    for (const event of await listAuditEvents(db, { recordId: record.id })) {
      if (event.action !== 'record.lock' && event.action !== 'record.unlock') continue;
      entries.push({
        action: event.action === 'record.lock' ? 'lock' : 'unlock',
        version: Number(event.details.version ?? 0),
        at: event.at,
        actor: event.actor,
        reason: event.reason,
        changes: [],
      });
    }
    entries.sort((a, b) => (a.at === b.at ? a.version - b.version : a.at < b.at ? -1 : 1));
    if (revealed.size === 0) return ok(entries);
    return transact(db, async (trx) => {
      await this.#auditReveal(
        trx,
        actor,
        record,
        [...revealed],
        versions.map((v) => Number(v.version)),
      );
      return ok(entries);
    });
  }

  async lock(actor: Actor, recordId: string, reason?: unknown): Promise<Result<RecordView>> {
    const parsedReason = reason === undefined ? undefined : reasonSchema.safeParse(reason);
    if (parsedReason !== undefined && !parsedReason.success) return err(REASON_REQUIRED);
    return this.#setLocked(actor, recordId, true, parsedReason?.data ?? null);
  }

  /** Unlocking reopens locked data for change, so it always needs a reason (21 CFR 11.10(e)). */
  async unlock(actor: Actor, recordId: string, reason: unknown): Promise<Result<RecordView>> {
    const parsedReason = reasonSchema.safeParse(reason);
    if (!parsedReason.success) return err(REASON_REQUIRED);
    return this.#setLocked(actor, recordId, false, parsedReason.data);
  }

  async listForParticipant(
    actor: Actor,
    participantId: string,
  ): Promise<Result<Omit<RecordView, 'values' | 'masked' | 'unavailable'>[]>> {
    const { db } = this.deps;
    const participant = await participants.findParticipant(db, participantId);
    if (participant === undefined) return err(appError('NOT_FOUND', 'No such participant.'));
    const permit = await this.authorizer.authorize(actor, 'record.read', {
      studyId: participant.study_id,
      siteId: participant.site_id,
    });
    if (!permit.ok) return permit;
    const rows = await repo.listForParticipant(db, participantId);
    return ok(
      rows.map((r) => ({
        id: r.id,
        studyId: r.study_id,
        participantId: r.participant_id,
        subjectId: r.subject_id,
        form: r.form_oid,
        formVersionId: '',
        visit: r.visit,
        version: Number(r.version),
        locked: Number(r.locked) === 1,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      })),
    );
  }

  async #setLocked(
    actor: Actor,
    recordId: string,
    locked: boolean,
    reason: string | null,
  ): Promise<Result<RecordView>> {
    const { db, clock } = this.deps;
    const record = await repo.findRecord(db, recordId);
    if (record === undefined) return err(appError('NOT_FOUND', 'No such record.'));
    const permit = await this.authorizer.authorize(actor, locked ? 'record.lock' : 'record.unlock', {
      studyId: record.study_id,
      siteId: record.site_id,
    });
    if (!permit.ok) return permit;
    const result = await transact(db, async (trx) => {
      const now = clock.now().toISOString();
      if (!(await repo.setLocked(trx, record.id, locked, now))) {
        return err(
          appError('CONFLICT', locked ? 'The record is already locked.' : 'The record is not locked.'),
        );
      }
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: locked ? 'record.lock' : 'record.unlock',
        at: now,
        studyId: record.study_id,
        participantId: record.participant_id,
        recordId: record.id,
        target: `${record.form_oid}/${record.visit}`,
        reason,
        details: { version: Number(record.version) },
      });
      return ok(null);
    });
    if (!result.ok) return result;
    return this.read(actor, record.id);
  }

  async #keyFor(record: repo.RecordWithContext): Promise<Result<ParticipantKey | null>> {
    // An erased participant's key is gone: their protected values are reported unavailable, never read.
    if (record.participant_status === 'erased') return ok(null);
    return this.deps.keyring.participantKey(this.deps.db, record.participant_id);
  }

  async #openVersion(
    db: VaultDeps['db'],
    record: repo.RecordRow,
    version: number,
    key: ParticipantKey | null,
    policy: ViewPolicy,
  ): Promise<Result<OpenedValues>> {
    const row = await repo.findVersion(db, record.id, version);
    if (row === undefined) {
      return err(
        appError('INTEGRITY_ERROR', 'The current version of the record is missing.', { recordId: record.id }),
      );
    }
    const place = {
      studyId: record.study_id,
      participantId: record.participant_id,
      recordId: record.id,
      version,
    };
    return openValues(row.clear_values, row.sealed_values, key, place, policy);
  }

  async #indexLookups(
    trx: Tx,
    form: FormDefinition,
    participant: { id: string; study_id: string },
    before: FieldValues,
    after: FieldValues,
  ): Promise<participants.LookupToken[]> {
    const touched: participants.LookupToken[] = [];
    for (const field of form.fields) {
      if (field.lookup === undefined || sameValue(before[field.oid], after[field.oid])) continue;
      const studyKey = this.deps.keyring.blindIndexKey(participant.study_id);
      const row = { studyId: participant.study_id, kind: field.lookup, participantId: participant.id };
      const old = before[field.oid];
      const next = after[field.oid];
      if (typeof old === 'string') {
        const gone = { ...row, token: blindIndexToken(studyKey, field.lookup, old) };
        await participants.deleteLookupToken(trx, gone);
        touched.push(gone);
      }
      if (typeof next === 'string') {
        const added = { ...row, token: blindIndexToken(studyKey, field.lookup, next) };
        await participants.insertLookupTokens(trx, [added]);
        touched.push(added);
      }
    }
    return touched;
  }

  async #auditReveal(
    trx: Tx,
    actor: Actor,
    record: repo.RecordWithContext,
    fields: string[],
    versions: number[],
  ): Promise<void> {
    await appendAuditEvent(trx, this.deps, {
      actor,
      action: 'record.reveal',
      studyId: record.study_id,
      participantId: record.participant_id,
      recordId: record.id,
      target: `${record.form_oid}/${record.visit}`,
      details: { fields, versions },
    });
  }

  #view(
    record: repo.RecordRow,
    form: FormVersion,
    subjectId: string,
  ): Omit<RecordView, 'values' | 'masked' | 'unavailable'> {
    return {
      id: record.id,
      studyId: record.study_id,
      participantId: record.participant_id,
      subjectId,
      form: form.oid,
      formVersionId: form.versionId,
      visit: record.visit,
      version: Number(record.version),
      locked: Number(record.locked) === 1,
      createdAt: record.created_at,
      updatedAt: record.updated_at,
    };
  }
}

/**
 * What a permit shows of a form version: protected fields revealed only on request and only for the
 * classes the role may reveal; allocation fields hidden entirely from blinded callers.
 */
const fieldClasses = new WeakMap<FormDefinition, Map<string, DataClass>>();

function viewPolicy(definition: FormDefinition, permit: Permit, reveal: boolean): ViewPolicy {
  let classes = fieldClasses.get(definition);
  if (classes === undefined) {
    classes = new Map(definition.fields.map((f) => [f.oid, f.class]));
    fieldClasses.set(definition, classes);
  }
  return {
    reveal: (field) => reveal && permit.reveal.has(classes.get(field) ?? 'identifier'),
    // A field no longer in the form is treated as allocation for blinding: when in doubt, hide.
    hide: (field) => permit.blinded && (classes.get(field) ?? 'allocation') === 'allocation',
  };
}

/** Blinded callers do not write forms that hold allocation values (they could not see them). */
function blindedForm(form: FormVersion, permit: Permit): Result<null> {
  if (permit.blinded && form.definition.fields.some((f) => f.class === 'allocation')) {
    return err(appError('FORBIDDEN', 'This form holds treatment allocation, which your role may not see.'));
  }
  return ok(null);
}

/** In a batch, the failing item's index goes with the error. */
function atIndex(error: AppError, index: number, size: number): AppError {
  return size === 1 ? error : { ...error, details: { ...error.details, index } };
}

function missingVersion(recordId: string) {
  return appError('INTEGRITY_ERROR', 'The current version of the record is missing.', { recordId });
}

function shown(opened: OpenedValues, field: string): Shown {
  if (opened.unavailable.includes(field)) return { unavailable: true };
  if (opened.masked.includes(field)) return { masked: true };
  return { value: opened.values[field] ?? null };
}
