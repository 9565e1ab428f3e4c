import { sameRowForChange, trustRowOn } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { newId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import type { Tx } from '../storage/transact.js';
import { refuseClosed, STUDY_CLOSED_ERROR } from '../studies/known.js';
import type { StudyRow } from '../studies/repo.js';
import type { VaultDeps } from '../vault/deps.js';
import type { FormDefinition } from './form-definition.js';
import { FORM_VERSIONS, FORMS } from './forms-bindings.js';
import type { FormVersion } from './forms-view.js';
import * as repo from './repo.js';

export function toFormVersion(form: repo.FormRow, row: repo.FormVersionRow): FormVersion {
  return {
    formId: form.id,
    versionId: row.id,
    oid: form.oid,
    version: Number(row.version),
    status: row.status,
    definition: JSON.parse(row.definition) as FormDefinition,
  };
}

/** A closed study's forms no longer change: no new form, draft or version. */
export function openForDesign(study: StudyRow): Result<StudyRow> {
  // The same refusal as every other write into a closed study (studies/known.ts).
  return study.status === 'closed' ? err(STUDY_CLOSED_ERROR) : ok(study);
}

/**
 * Saves a checked definition as its form's draft, in the caller's transaction: a new form, the open
 * draft, or a new draft after the live version; each change with its audit event and row seal.
 */
export async function saveDraft(
  deps: VaultDeps,
  trx: Tx,
  actor: Actor,
  study: StudyRow,
  definition: FormDefinition,
): Promise<Result<FormVersion & { created: boolean }>> {
  // Inside the transaction (review s13, H6): a study closed after the caller's check takes no draft.
  const closed = await refuseClosed(deps, trx, study.id);
  if (!closed.ok) return closed;
  const text = JSON.stringify(definition);
  const now = deps.clock.now().toISOString();
  const found = await trustRowOn(deps, trx, FORMS, await repo.findForm(trx, study.id, definition.oid));
  if (!found.ok) return found;
  let form = found.value;
  const created = form === undefined;
  if (form === undefined) {
    form = { id: newId(), study_id: study.id, oid: definition.oid, name: definition.name, created_at: now };
    await repo.insertForm(trx, form);
    await appendAuditEvent(trx, deps, {
      actor,
      action: 'form.create',
      studyId: study.id,
      target: form.oid,
      seals: [[FORMS, [form.id]]],
    });
  }
  // A draft changed in SQL is never laundered by the next save's seal (issue #17).
  const last = await trustRowOn(deps, trx, FORM_VERSIONS, await repo.latestVersion(trx, form.id));
  if (!last.ok) return last;
  const latest = last.value;
  if (latest?.status === 'draft') {
    // Locked and the very row read (review s13: on PostgreSQL a row changed under a held lock would
    // land under this update and be sealed with it).
    const same = await sameRowForChange(deps, trx, FORM_VERSIONS, latest);
    if (!same.ok) return same;
    await repo.updateDraft(trx, latest.id, text);
    await appendAuditEvent(trx, deps, {
      actor,
      action: 'form.draft',
      studyId: study.id,
      target: `${form.oid}@${latest.version}`,
      seals: [[FORM_VERSIONS, [latest.id]]],
    });
    return ok({ ...toFormVersion(form, { ...latest, definition: text }), created });
  }
  const row: repo.FormVersionRow = {
    id: newId(),
    form_id: form.id,
    version: (latest === undefined ? 0 : Number(latest.version)) + 1,
    definition: text,
    status: 'draft',
    created_at: now,
    published_at: null,
  };
  await repo.insertVersion(trx, row);
  await appendAuditEvent(trx, deps, {
    actor,
    action: 'form.draft',
    studyId: study.id,
    target: `${form.oid}@${row.version}`,
    seals: [[FORM_VERSIONS, [row.id]]],
  });
  return ok({ ...toFormVersion(form, row), created });
}
