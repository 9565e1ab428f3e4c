import type { Authorizer } from '../authz/authorizer.js';
import { rowForChange, trustRowOn } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import * as forms from '../forms/repo.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';
import { knownStudy, refuseClosed } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import * as repo from './repo.js';
import { SCHEDULES } from './schedule-bindings.js';
import { eventOfVisit, type ScheduleDefinition, scheduleDefinitionSchema } from './schedule-definition.js';
import type { ScheduleView } from './schedule-view.js';

type Db = VaultDeps['db'];

function toView(studyId: string, row: repo.ScheduleRow | undefined): ScheduleView {
  if (row === undefined) return { studyId, version: 0, updatedAt: null, events: [] };
  const definition = JSON.parse(row.definition) as ScheduleDefinition;
  return { studyId, version: Number(row.version), updatedAt: row.updated_at, events: definition.events };
}

/** Judges one entry (visit, form) against a study's schedule. */
export type EntryRule = (visit: string, formOid: string) => Result<void>;

/** A study without a schedule keeps free visit keys (docs/schedule.md#compatibility). */
const FREE_ENTRY: EntryRule = () => ok(undefined);

function scheduledEntry(schedule: ScheduleDefinition, visit: string, formOid: string): Result<void> {
  const event = eventOfVisit(schedule, visit);
  if (event === undefined)
    return err(
      appError('VALIDATION_FAILED', 'The visit is not an event of the study schedule.', {
        fields: { visit: `must be one of ${schedule.events.map((e) => e.oid).join(', ')}` },
      }),
    );
  if (!event.forms.includes(formOid))
    return err(
      appError('VALIDATION_FAILED', `The form ${formOid} is not scheduled at event ${event.oid}.`, {
        fields: { form: `is not among the forms of ${event.oid}` },
      }),
    );
  return ok(undefined);
}

/** Visit schedules (issue #15 item 4, docs/schedule.md): defined by form managers, read by data readers. */
export class ScheduleService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
  ) {}

  /** Replaces the study's schedule (a new version), audited with its seal in the same transaction. */
  async define(actor: Actor, studyId: string, input: unknown): Promise<Result<ScheduleView>> {
    const known = await knownStudy(this.deps, studyId);
    if (!known.ok) return known;
    const study = known.value;
    const permit = await this.authorizer.authorize(actor, 'form.manage', { studyId: study.id });
    if (!permit.ok) return permit;
    const parsed = scheduleDefinitionSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error, 'The schedule is invalid.'));
    const definition = parsed.data;
    return transact(this.deps.db, async (trx) => {
      const closed = await refuseClosed(this.deps, trx, study.id);
      if (!closed.ok) return closed;
      const missing: string[] = [];
      for (const oid of new Set(definition.events.flatMap((e) => e.forms)))
        if ((await forms.findForm(trx, study.id, oid)) === undefined) missing.push(oid);
      if (missing.length > 0)
        return err(
          appError(
            'VALIDATION_FAILED',
            `The schedule names forms the study does not have: ${missing.join(', ')}.`,
            {
              forms: missing,
            },
          ),
        );
      // Locked and checked: a column changed in SQL between this read and the update is never sealed.
      const found = await rowForChange<repo.ScheduleRow>(this.deps, trx, SCHEDULES, [study.id], 'gone');
      if (!found.ok) return found;
      const now = this.deps.clock.now().toISOString();
      const text = JSON.stringify(definition);
      let version = 1;
      if (found.value === undefined) {
        await repo.insertSchedule(trx, {
          study_id: study.id,
          definition: text,
          version,
          created_at: now,
          updated_at: now,
        });
      } else {
        version = Number(found.value.version) + 1;
        if (!(await repo.updateSchedule(trx, study.id, version - 1, text, now)))
          return err(appError('CONFLICT', 'The schedule changed meanwhile; read it again.'));
      }
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'schedule.define',
        studyId: study.id,
        target: `schedule@${version}`,
        details: { events: definition.events.map((e) => e.oid) },
        seals: [[SCHEDULES, [study.id]]],
      });
      return ok({ studyId: study.id, version, updatedAt: now, events: definition.events });
    });
  }

  async get(actor: Actor, studyId: string): Promise<Result<ScheduleView>> {
    const known = await knownStudy(this.deps, studyId);
    if (!known.ok) return known;
    const permit = await this.authorizer.authorize(actor, 'record.read', { studyId: known.value.id });
    if (!permit.ok) return permit;
    const found = await trustRowOn(
      this.deps,
      this.deps.db,
      SCHEDULES,
      await repo.findSchedule(this.deps.db, known.value.id),
    );
    return found.ok ? ok(toView(known.value.id, found.value)) : found;
  }

  /**
   * For record entry (no authorization of its own: the caller has authorized the write). A study with
   * a schedule accepts only its events, and at each event only its forms; a study without one keeps
   * free visit keys, so existing data and studies keep working (docs/schedule.md#compatibility).
   */
  async checkEntry(db: Db, studyId: string, visit: string, formOid: string): Promise<Result<void>> {
    const rules = await this.entryRules(db, studyId);
    return rules.ok ? rules.value(visit, formOid) : rules;
  }

  /**
   * `checkEntry` for many entries of one study: the schedule row is read and checked once, then each
   * (visit, form) is judged against it (a batch of records reads it once, not once per record).
   */
  async entryRules(db: Db, studyId: string): Promise<Result<EntryRule>> {
    const found = await trustRowOn(this.deps, db, SCHEDULES, await repo.findSchedule(db, studyId));
    if (!found.ok) return found;
    if (found.value === undefined) return ok(FREE_ENTRY);
    const schedule = JSON.parse(found.value.definition) as ScheduleDefinition;
    return ok((visit, formOid) => scheduledEntry(schedule, visit, formOid));
  }

  /** The schedule for a study, unchecked by authorization (for the grid, which authorizes itself). */
  async scheduleOf(studyId: string): Promise<Result<ScheduleView>> {
    const found = await trustRowOn(
      this.deps,
      this.deps.db,
      SCHEDULES,
      await repo.findSchedule(this.deps.db, studyId),
    );
    return found.ok ? ok(toView(studyId, found.value)) : found;
  }
}
