import type { Authorizer, Permit } from '../authz/authorizer.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { invalidInput } from '../core/invalid-input.js';
import { reasonSchema } from '../core/reason.js';
import { err, ok, type Result } from '../core/result.js';
import type { FormService, FormVersion } from '../forms/service.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { knownParticipant } from '../participants/trusted.js';
import type { ScheduleService } from '../schedule/service.js';
import { type Tx, transact } from '../storage/transact.js';
import { refuseClosed } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import { createBatchInTx, createRecords } from './record-batch.js';
import type { NewRecord, ParticipantRef } from './record-creation.js';
import { REASON_REQUIRED, type RecordContext, recordPermit } from './record-policy.js';
import { readRecord, recordHistory } from './record-reading.js';
import { changeRecord } from './record-update.js';
import { RECORDS, recordRowOf } from './records-bindings.js';
import type { HistoryEntry, RecordSummary, RecordView } from './records-view.js';
import * as repo from './repo.js';
import { updateRecordSchema } from './schemas.js';
import { trustRecordOn, trustRecordsOn } from './trusted-records.js';

export type { HistoryEntry, RecordSummary, RecordView, Shown } from './records-view.js';
export { createRecordSchema, updateRecordSchema } from './schemas.js';

/**
 * Records: first entry, change with a reason, reads that audit every reveal, lock and unlock
 * (21 CFR 11.10(e)). Creation is record-batch.ts, change record-update.ts, reads record-reading.ts.
 */
export class RecordService {
  readonly #ctx: RecordContext;

  constructor(deps: VaultDeps, forms: FormService, authorizer: Authorizer, schedule?: ScheduleService) {
    this.#ctx = schedule === undefined ? { deps, forms, authorizer } : { deps, forms, authorizer, schedule };
  }

  async create(actor: Actor, input: unknown): Promise<Result<RecordView>> {
    return one(await this.createMany(actor, [input]));
  }

  /** First entries of many records in one transaction, all or nothing (record-batch.ts). */
  createMany(actor: Actor, inputs: readonly unknown[]): Promise<Result<RecordView[]>> {
    return createRecords(this.#ctx, actor, inputs);
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
    return one(await this.createBatchInTx(trx, actor, [{ participant, form, visit, values, reason }]));
  }

  /** First entries of many records inside the caller's transaction (bulk import, demo, createMany). */
  createBatchInTx(trx: Tx, actor: Actor, items: readonly NewRecord[]): Promise<Result<RecordView[]>> {
    return createBatchInTx(this.#ctx, trx, actor, items);
  }

  /** A change after first entry: a new immutable version, always with a reason (21 CFR 11.10(e)). */
  async update(actor: Actor, recordId: string, input: unknown): Promise<Result<RecordView>> {
    const parsed = updateRecordSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error));
    const reason = reasonSchema.safeParse(parsed.data.reason);
    if (!reason.success) return err(REASON_REQUIRED);
    // Authorized on the record as read now; the change itself re-reads it in its transaction.
    const record = await repo.findRecord(this.#ctx.deps.db, recordId);
    if (record === undefined) return err(appError('NOT_FOUND', 'No such record.'));
    const permit = await recordPermit(this.#ctx, actor, 'record.write', record, false);
    if (!permit.ok) return permit;
    const { changes, expectedVersion } = parsed.data;
    return transact(this.#ctx.deps.db, (trx) =>
      changeRecord(this.#ctx, trx, actor, recordId, changes, reason.data, expectedVersion, permit.value),
    );
  }

  /** A change inside the caller's transaction (bulk import, demo); the operator reads everything. */
  async updateInTx(
    trx: Tx,
    actor: Actor,
    recordId: string,
    changes: Readonly<Record<string, unknown>>,
    reason: string,
    expectedVersion?: number,
    permit?: Permit,
  ): Promise<Result<RecordView>> {
    if (!reasonSchema.safeParse(reason).success) return err(REASON_REQUIRED);
    return changeRecord(this.#ctx, trx, actor, recordId, changes, reason, expectedVersion, permit);
  }

  /** Reads the current version; protected values only with reveal, and every reveal is audited. */
  read(actor: Actor, recordId: string, options: { reveal?: boolean } = {}): Promise<Result<RecordView>> {
    return readRecord(this.#ctx, actor, recordId, options);
  }

  /** Who changed what, when and why: every version with old -> new per field, and lock/unlock. */
  history(
    actor: Actor,
    recordId: string,
    options: { reveal?: boolean } = {},
  ): Promise<Result<HistoryEntry[]>> {
    return recordHistory(this.#ctx, actor, recordId, options);
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

  async listForParticipant(actor: Actor, participantId: string): Promise<Result<RecordSummary[]>> {
    const { db } = this.#ctx.deps;
    // The participant's row MAC is checked before its site decides who may list (issue #17; review).
    const known = await knownParticipant(this.#ctx.deps, participantId);
    if (!known.ok) return known;
    const participant = known.value;
    const permit = await this.#ctx.authorizer.authorize(actor, 'record.read', {
      studyId: participant.study_id,
      siteId: participant.site_id,
    });
    if (!permit.ok) return permit;
    const listed = await trustRecordsOn(this.#ctx.deps, db, await repo.listForParticipant(db, participantId));
    if (!listed.ok) return listed;
    return ok(
      listed.value.map((r) => ({
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
    const { deps, authorizer } = this.#ctx;
    const found = await trustRecordOn(deps, deps.db, await repo.findRecord(deps.db, recordId));
    if (!found.ok) return found;
    const record = found.value;
    if (record === undefined) return err(appError('NOT_FOUND', 'No such record.'));
    const permit = await authorizer.authorize(actor, locked ? 'record.lock' : 'record.unlock', {
      studyId: record.study_id,
      siteId: record.site_id,
    });
    if (!permit.ok) return permit;
    const result = await transact(deps.db, async (trx) => {
      const closed = await refuseClosed(deps, trx, record.study_id);
      if (!closed.ok) return closed;
      const now = deps.clock.now().toISOString();
      if (!(await repo.setLocked(trx, record.id, locked, now, Number(record.version)))) {
        if (Number(record.locked) === (locked ? 1 : 0)) {
          return err(
            appError('CONFLICT', locked ? 'The record is already locked.' : 'The record is not locked.'),
          );
        }
        return err(appError('CONFLICT', 'The record changed meanwhile; read it again.'));
      }
      // The record's row is sealed by the event from the values it now holds (issue #17).
      const after = { ...recordRowOf(record), locked: locked ? 1 : 0, updated_at: now };
      await appendAuditEvent(trx, deps, {
        written: [[RECORDS, after]],
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
}

function one(created: Result<RecordView[]>): Result<RecordView> {
  if (!created.ok) return created;
  const [view] = created.value;
  return view === undefined ? err(appError('INTERNAL', 'No record was created.')) : ok(view);
}
