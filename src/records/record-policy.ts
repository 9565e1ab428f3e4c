import type { Authorizer, Permit } from '../authz/authorizer.js';
import type { Action } from '../authz/roles.js';
import { trustRow } from '../authz/row-tamper.js';
import type { Actor } from '../core/actor.js';
import { type AppError, appError } from '../core/errors.js';
import { sameFieldValue } from '../core/field-value.js';
import { err, ok, type Result } from '../core/result.js';
import type { DataClass, FormDefinition } from '../forms/form-definition.js';
import type { FormService, FormVersion } from '../forms/service.js';
import type { FieldValue } from '../forms/validate-values.js';
import { PARTICIPANTS } from '../participants/participants-bindings.js';
import type { ScheduleService } from '../schedule/service.js';
import type { VaultDeps } from '../vault/deps.js';
import type { OpenedValues, ViewPolicy } from './record-values.js';
import type { RecordSummary, RecordView, Shown } from './records-view.js';
import type * as repo from './repo.js';
import { participantRowOf } from './repo.js';
import { trustRecordOn } from './trusted-records.js';

/** What the record operations share: the store and clock, the forms, and who may do what. */
export interface RecordContext {
  readonly deps: VaultDeps;
  readonly forms: FormService;
  readonly authorizer: Authorizer;
  /** The visit schedule, when wired (the vault always wires it): records name its events. */
  readonly schedule?: ScheduleService;
}

export const REASON_REQUIRED = appError(
  'REASON_REQUIRED',
  'A reason for change is required for every change after first entry.',
);

export function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  return sameFieldValue(a, b);
}

/** Authorizes an action on a record; asking to reveal needs a role that may reveal something. */
export async function recordPermit(
  ctx: RecordContext,
  actor: Actor,
  action: Action,
  record: repo.RecordWithContext,
  reveal: boolean,
): Promise<Result<Permit>> {
  // The participant's site decides who may act on the record: its row is checked first (issue #17).
  const owner = await trustRow(ctx.deps, PARTICIPANTS, participantRowOf(record));
  if (!owner.ok) return owner;
  // So is the record's own row: its participant, lock and version as read are honoured (issue #17).
  const own = await trustRecordOn(ctx.deps, ctx.deps.db, record);
  if (!own.ok) return own;
  const permit = await ctx.authorizer.authorize(actor, action, {
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

/**
 * What a permit shows of a form version: protected fields revealed only on request and only for the
 * classes the role may reveal; allocation fields hidden entirely from blinded callers.
 */
const fieldClasses = new WeakMap<FormDefinition, Map<string, DataClass>>();

export function viewPolicy(definition: FormDefinition, permit: Permit, reveal: boolean): ViewPolicy {
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
export function blindedForm(form: FormVersion, permit: Permit): Result<null> {
  if (permit.blinded && form.definition.fields.some((f) => f.class === 'allocation')) {
    return err(appError('FORBIDDEN', 'This form holds treatment allocation, which your role may not see.'));
  }
  return ok(null);
}

/** In a batch, the failing item's index goes with the error. */
export function atIndex(error: AppError, index: number, size: number): AppError {
  return size === 1 ? error : { ...error, details: { ...error.details, index } };
}

export function shown(opened: OpenedValues, field: string): Shown {
  if (opened.unavailable.includes(field)) return { unavailable: true };
  if (opened.masked.includes(field)) return { masked: true };
  return { value: opened.values[field] ?? null };
}

/** A record's place and state as answered, without its values. */
export function recordHeader(record: repo.RecordRow, form: FormVersion, subjectId: string): RecordSummary {
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

/**
 * The answer, built field by field: spreading the header and the values into a new literal cost
 * several microseconds a read (V8's generic object clone), on the hottest route of the API.
 */
export function recordView(header: RecordSummary, opened: OpenedValues): RecordView {
  return {
    id: header.id,
    studyId: header.studyId,
    participantId: header.participantId,
    subjectId: header.subjectId,
    form: header.form,
    formVersionId: header.formVersionId,
    visit: header.visit,
    version: header.version,
    locked: header.locked,
    createdAt: header.createdAt,
    updatedAt: header.updatedAt,
    values: opened.values,
    masked: opened.masked,
    unavailable: opened.unavailable,
  };
}
