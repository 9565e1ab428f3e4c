import { FULL_PERMIT, type Permit } from '../authz/authorizer.js';
import { type Actor, actorLabel } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { blindIndexToken } from '../crypto/blind-index.js';
import { type FormDefinition, isProtected } from '../forms/form-definition.js';
import { type FieldValues, validateValues } from '../forms/validate-values.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { lookupSeal } from '../participants/participants-bindings.js';
import * as participants from '../participants/repo.js';
import type { Tx } from '../storage/transact.js';
import { refuseClosed } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import type { ParticipantKey } from '../vault/keyring.js';
import { blindedForm, type RecordContext, recordHeader, sameValue } from './record-policy.js';
import { type OpenedValues, openValues, REVEAL_ALL, sealValues, type ViewPolicy } from './record-values.js';
import { RECORD_VERSIONS, RECORDS, recordRowOf } from './records-bindings.js';
import type { RecordView } from './records-view.js';
import * as repo from './repo.js';
import { missingVersionOn, trustRecordOn, trustVersionOn } from './trusted-records.js';
import { versionDigest } from './version-digest.js';

/**
 * The one path of a change after first entry, inside the caller's transaction: a new immutable version
 * with its reason (21 CFR 11.10(e)), the lookup tokens that follow it and its audit event. The record
 * and its form are loaded here, in the transaction, whoever called (the API, import, the demo).
 */
export async function changeRecord(
  ctx: RecordContext,
  trx: Tx,
  actor: Actor,
  recordId: string,
  changes: Readonly<Record<string, unknown>>,
  reason: string,
  expectedVersion: number | undefined,
  /** What the writer may read; the operator (import by CLI, demo) reads everything. */
  permit: Permit = FULL_PERMIT,
): Promise<Result<RecordView>> {
  const { deps } = ctx;
  const found = await trustRecordOn(deps, trx, await repo.findRecord(trx, recordId));
  if (!found.ok) return found;
  const record = found.value;
  if (record === undefined) return err(appError('NOT_FOUND', 'No such record.'));
  const closed = await refuseClosed(ctx.deps, trx, record.study_id);
  if (!closed.ok) return closed;
  const form = await ctx.forms.liveForm(record.study_id, record.form_oid, trx);
  if (!form.ok) return form;
  const blinded = blindedForm(form.value, permit);
  if (!blinded.ok) return blinded;
  if (record.participant_status === 'erased') {
    return err(appError('PARTICIPANT_ERASED', 'The participant was erased.'));
  }
  if (Number(record.locked) === 1)
    return err(appError('RECORD_LOCKED', 'The record is locked: unlock it first.'));
  const from = Number(record.version);
  if (expectedVersion !== undefined && expectedVersion !== from) {
    return err(appError('CONFLICT', 'The record changed since it was read.', { currentVersion: from }));
  }
  const key = await deps.keyring.participantKey(trx, record.participant_id);
  if (!key.ok) return key;
  const current = await openVersion(deps, trx, record, from, key.value, REVEAL_ALL);
  if (!current.ok) return current;
  // Calculated fields are recomputed from the merged values, never carried over (docs/logic.md).
  const calculated = new Set(
    form.value.definition.fields.filter((f) => f.calc !== undefined).map((f) => f.oid),
  );
  const kept = Object.entries(current.value.values).filter(([oid]) => !calculated.has(oid));
  const merged: Record<string, unknown> = { ...Object.fromEntries(kept), ...changes };
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
  const now = deps.clock.now().toISOString();
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
  const participant = { id: record.participant_id, study_id: record.study_id };
  const indexed = await indexLookups(deps, trx, form.value.definition, participant, before, values.value);
  // The record's new version and its version row are sealed by the event from their values (issue #17).
  const after = { ...recordRowOf(record), version, updated_at: now };
  await appendAuditEvent(trx, deps, {
    written: [[RECORDS, after]],
    inserts: [[RECORD_VERSIONS, versionRow]],
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
    ...recordHeader({ ...record, version, updated_at: now }, form.value, record.subject_id),
    values: clear,
    masked: Object.keys(sealed),
    unavailable: [],
  });
}

async function openVersion(
  deps: VaultDeps,
  db: VaultDeps['db'],
  record: repo.RecordRow,
  version: number,
  key: ParticipantKey | null,
  policy: ViewPolicy,
): Promise<Result<OpenedValues>> {
  const found = await trustVersionOn(deps, db, await repo.findVersion(db, record.id, version));
  if (!found.ok) return found;
  const row = found.value;
  if (row === undefined) return err(await missingVersionOn(deps, db, record.id, version));
  const place = {
    studyId: record.study_id,
    participantId: record.participant_id,
    recordId: record.id,
    version,
  };
  return openValues(row.clear_values, row.sealed_values, key, place, policy);
}

/** Blind-index tokens follow a changed lookup field: the old value's token goes, the new one's comes. */
async function indexLookups(
  deps: VaultDeps,
  trx: Tx,
  form: FormDefinition,
  participant: { id: string; study_id: string },
  before: FieldValues,
  after: FieldValues,
): Promise<participants.LookupToken[]> {
  const touched: participants.LookupToken[] = [];
  for (const field of form.fields) {
    if (field.lookup === undefined || sameValue(before[field.oid], after[field.oid])) continue;
    const studyKey = deps.keyring.blindIndexKey(participant.study_id);
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
