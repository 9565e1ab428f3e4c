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
import type { EntryRule } from '../schedule/service.js';
import { type Tx, transact } from '../storage/transact.js';
import { refuseClosed } from '../studies/known.js';
import { type NewRecord, type PreparedRecord, prepareRecord } from './record-creation.js';
import { atIndex, blindedForm, type RecordContext, recordHeader, recordView } from './record-policy.js';
import { RECORD_VERSIONS, RECORDS } from './records-bindings.js';
import type { RecordView } from './records-view.js';
import * as repo from './repo.js';
import { type CreateRecordInput, createRecordSchema } from './schemas.js';

const FREE: EntryRule = () => ok(undefined);

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
  const parsedInputs: CreateRecordInput[] = [];
  let parseFailure: Result<never> | undefined;
  for (const [index, input] of inputs.entries()) {
    const parsed = createRecordSchema.safeParse(input);
    if (!parsed.success) {
      parseFailure = err(atIndex(invalidInput(parsed.error), index, inputs.length));
      break;
    }
    parsedInputs.push(parsed.data);
  }
  // Every participant of the batch in one read, their rows checked together (issue #17); only when
  // that check fails is each checked alone, in order, so that the refusal names the first item.
  const participantCache = await participantsById(
    ctx,
    parsedInputs.map((p) => p.participantId),
  );
  const trusted = await trustParticipants(ctx.deps, ctx.deps.db, [...participantCache.values()]);
  const checkedAlone = new Set<string>();
  const formCache = new Map<string, Result<FormVersion>>();
  const permits = new Map<string, Result<Permit>>();
  for (const [index, data] of parsedInputs.entries()) {
    const { participantId, form: oid } = data;
    const found = participantCache.get(participantId);
    if (!trusted.ok && found !== undefined && !checkedAlone.has(participantId)) {
      checkedAlone.add(participantId);
      const checked = await trustParticipants(ctx.deps, ctx.deps.db, [found]);
      if (!checked.ok) return err(atIndex(checked.error, index, inputs.length));
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
      visit: data.visit,
      values: data.values,
      reason: data.reason,
    });
  }
  if (parseFailure !== undefined) return parseFailure;
  return transact(ctx.deps.db, (trx) => createBatchInTx(ctx, trx, actor, items));
}

const ID_CHUNK = 500;

/** The participants (with their site code) of `ids`, by id, in as few reads as the list allows. */
async function participantsById(
  ctx: RecordContext,
  ids: readonly string[],
): Promise<Map<string, participants.ParticipantWithSite>> {
  const distinct = [...new Set(ids)];
  const byId = new Map<string, participants.ParticipantWithSite>();
  const [only] = distinct;
  if (distinct.length === 1 && only !== undefined) {
    const found = await participants.findParticipant(ctx.deps.db, only);
    if (found !== undefined) byId.set(found.id, found);
    return byId;
  }
  for (let i = 0; i < distinct.length; i += ID_CHUNK) {
    const rows = await participants.findManyByIds(ctx.deps.db, distinct.slice(i, i + ID_CHUNK));
    for (const row of rows) byId.set(row.id, row);
  }
  return byId;
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
    const closed = await refuseClosed(ctx.deps, trx, studyId);
    if (!closed.ok) return closed;
  }
  const existing = await repo.existingRecordKeys(
    trx,
    items.map((i) => ({ participantId: i.participant.id, formId: i.form.formId, visit: i.visit })),
  );
  const now = clock.now().toISOString();
  const prepared: PreparedRecord[] = [];
  const rulesByStudy = new Map<string, Result<EntryRule>>();
  const entryRulesOf = async (studyId: string): Promise<Result<EntryRule>> => {
    let rules = rulesByStudy.get(studyId);
    if (rules === undefined) {
      rules = ctx.schedule === undefined ? ok(FREE) : await ctx.schedule.entryRules(trx, studyId);
      rulesByStudy.set(studyId, rules);
    }
    return rules;
  };
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
    // The schedule row is read and checked once per study and batch.
    const rules = await entryRulesOf(item.participant.study_id);
    if (!rules.ok) return fail(rules.error);
    const scheduled = rules.value(item.visit, item.form.oid);
    if (!scheduled.ok) return fail(scheduled.error);
    const participantKey = await keyring.participantKey(trx, item.participant.id);
    if (!participantKey.ok) return fail(participantKey.error);
    const one = prepareRecord(actor, now, participantKey.value, (id) => keyring.blindIndexKey(id), item);
    if (!one.ok) return fail(one.error);
    prepared.push(one.value);
  }
  // Each record's event inserts and seals its record, its version 1 and the lookup tokens it indexed
  // (issue #17), from the values as written: multi-row inserts, no read-back.
  await appendAuditEvents(
    trx,
    ctx.deps,
    // Object.assign, not a spread: V8's spread clone costs microseconds per object here (Node 20).
    prepared.map((p) =>
      Object.assign({}, p.event, {
        inserts: [
          [RECORDS, p.record] as const,
          [RECORD_VERSIONS, p.version] as const,
          ...p.tokens.map(lookupInsert),
        ],
      }),
    ),
  );
  return ok(
    prepared.map((p, i) =>
      recordView(
        recordHeader(p.record, items[i]?.form as FormVersion, items[i]?.participant.subject_id ?? ''),
        { values: p.clear as Record<string, FieldValue>, masked: p.sealedFields, unavailable: [] },
      ),
    ),
  );
}
