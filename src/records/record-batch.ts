import type { Permit } from '../authz/authorizer.js';
import type { Actor } from '../core/actor.js';
import { type AppError, appError } from '../core/errors.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import type { FormVersion } from '../forms/service.js';
import type { FieldValue } from '../forms/validate-values.js';
import { appendAuditEvents } from '../ledger/audit-repo.js';
import { lookupInsert } from '../participants/participants-bindings.js';
import * as participants from '../participants/repo.js';
import { trustParticipants } from '../participants/trusted.js';
import { type Tx, transact } from '../storage/transact.js';
import { refuseClosed } from '../studies/known.js';
import { type NewRecord, type PreparedRecord, prepareRecord } from './record-creation.js';
import { atIndex, blindedForm, type RecordContext, recordHeader } from './record-policy.js';
import type { RecordView } from './records-view.js';
import * as repo from './repo.js';
import { createRecordSchema } from './schemas.js';

/**
 * First entries of many records in one transaction, all or nothing: every record gets its version 1,
 * lookup tokens and audit event, written with multi-row inserts. A failure names the item's index.
 */
export async function createRecords(
  ctx: RecordContext,
  actor: Actor,
  inputs: readonly unknown[],
): Promise<Result<RecordView[]>> {
  const items: NewRecord[] = [];
  const participantCache = new Map<string, participants.ParticipantWithSite | undefined>();
  const formCache = new Map<string, Result<FormVersion>>();
  const permits = new Map<string, Result<Permit>>();
  for (const [index, input] of inputs.entries()) {
    const parsed = createRecordSchema.safeParse(input);
    if (!parsed.success) return err(atIndex(invalidInput(parsed.error), index, inputs.length));
    const { participantId, form: oid } = parsed.data;
    if (!participantCache.has(participantId)) {
      // The participant's site decides who may write: its row is checked before it is used (issue #17).
      const found = await participants.findParticipant(ctx.deps.db, participantId);
      const checked = found === undefined ? ok([]) : await trustParticipants(ctx.deps, ctx.deps.db, [found]);
      if (!checked.ok) return err(atIndex(checked.error, index, inputs.length));
      participantCache.set(participantId, found);
    }
    const participant = participantCache.get(participantId);
    if (participant === undefined) {
      return err(atIndex(appError('NOT_FOUND', 'No such participant.'), index, inputs.length));
    }
    let permit = permits.get(participant.id);
    if (permit === undefined) {
      permit = await ctx.authorizer.authorize(actor, 'record.write', {
        studyId: participant.study_id,
        siteId: participant.site_id,
      });
      permits.set(participant.id, permit);
    }
    if (!permit.ok) return err(atIndex(permit.error, index, inputs.length));
    const formKey = `${participant.study_id}/${oid}`;
    let form = formCache.get(formKey);
    if (form === undefined) {
      form = await ctx.forms.liveForm(participant.study_id, oid);
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
  return transact(ctx.deps.db, (trx) => createBatchInTx(ctx, trx, actor, items));
}

/** First entries of many records inside the caller's transaction (bulk import, demo, createMany). */
export async function createBatchInTx(
  ctx: RecordContext,
  trx: Tx,
  actor: Actor,
  items: readonly NewRecord[],
): Promise<Result<RecordView[]>> {
  const { keyring, clock } = ctx.deps;
  for (const studyId of new Set(items.map((i) => i.participant.study_id))) {
    const closed = await refuseClosed(trx, studyId);
    if (!closed.ok) return closed;
  }
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
    // Entry is chosen from the schedule, never typed (issue #15 item 4): an unknown event is refused.
    const scheduled = await ctx.schedule?.checkEntry(
      trx,
      item.participant.study_id,
      item.visit,
      item.form.oid,
    );
    if (scheduled !== undefined && !scheduled.ok) return fail(scheduled.error);
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
  // Each record's event inserts and seals the lookup tokens it indexed (issue #17), from the values
  // as written: one multi-row insert, no read-back.
  await appendAuditEvents(
    trx,
    ctx.deps,
    prepared.map((p) => ({ ...p.event, inserts: p.tokens.map(lookupInsert) })),
  );
  return ok(
    prepared.map((p, i) => ({
      ...recordHeader(p.record, items[i]?.form as FormVersion, items[i]?.participant.subject_id ?? ''),
      values: p.clear as Record<string, FieldValue>,
      masked: p.sealedFields,
      unavailable: [],
    })),
  );
}
