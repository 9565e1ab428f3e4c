import { actorNames } from '../authz/actor-names.js';
import { trustedAuditEvents } from '../authz/trusted-events.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { type Tx, transact } from '../storage/transact.js';
import type { ParticipantKey } from '../vault/keyring.js';
import {
  type RecordContext,
  recordHeader,
  recordPermit,
  recordView,
  shown,
  viewPolicy,
} from './record-policy.js';
import { type OpenedValues, openValues, type VersionPlace } from './record-values.js';
import type { HistoryEntry, RecordView } from './records-view.js';
import * as repo from './repo.js';
import { missingVersionOn, trustVersionOn, trustVersionsOn } from './trusted-records.js';

/** Reads the current version; protected values only with reveal, and every reveal is audited. */
export async function readRecord(
  ctx: RecordContext,
  actor: Actor,
  recordId: string,
  options: { reveal?: boolean } = {},
): Promise<Result<RecordView>> {
  const { db } = ctx.deps;
  const record = await repo.findRecordWithCurrent(db, recordId);
  if (record === undefined) return err(appError('NOT_FOUND', 'No such record.'));
  const permit = await recordPermit(ctx, actor, 'record.read', record, options.reveal === true);
  if (!permit.ok) return permit;
  const key = await keyFor(ctx, record);
  if (!key.ok) return key;
  const version = Number(record.version);
  const current = await trustVersionOn(ctx.deps, db, repo.currentVersionOf(record));
  if (!current.ok) return current;
  const row = current.value;
  if (row === undefined) return err(await missingVersionOn(ctx.deps, db, record.id, version));
  const form = await ctx.forms.formVersion(row.form_version_id);
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
  const view: RecordView = recordView(recordHeader(record, form.value, record.subject_id), opened.value);
  // Nothing is opened unless a reveal was asked for (viewPolicy), so nothing to audit either.
  const revealed =
    key.value === null || options.reveal !== true
      ? []
      : Object.keys(JSON.parse(row.sealed_values)).filter((f) => policy.reveal(f) && !policy.hide(f));
  if (revealed.length === 0) return ok(view);
  return transact(db, async (trx) => {
    await auditReveal(ctx, trx, actor, record, revealed, [version]);
    return ok(view);
  });
}

/** Who changed what, when and why: every version with old -> new per field, and lock/unlock. */
export async function recordHistory(
  ctx: RecordContext,
  actor: Actor,
  recordId: string,
  options: { reveal?: boolean } = {},
): Promise<Result<HistoryEntry[]>> {
  const { db } = ctx.deps;
  const record = await repo.findRecord(db, recordId);
  if (record === undefined) return err(appError('NOT_FOUND', 'No such record.'));
  const permit = await recordPermit(ctx, actor, 'record.read', record, options.reveal === true);
  if (!permit.ok) return permit;
  const key = await keyFor(ctx, record);
  if (!key.ok) return key;
  const listed = await trustVersionsOn(ctx.deps, db, await repo.listVersions(db, record.id));
  if (!listed.ok) return listed;
  const versions = listed.value;
  // Every version up to the record's current one, or none: a version row deleted in SQL (R17-4).
  const held = new Set(versions.map((v) => Number(v.version)));
  for (let v = 1; v <= Number(record.version); v++) {
    if (!held.has(v)) return err(await missingVersionOn(ctx.deps, db, record.id, v));
  }
  const revealed = new Set<string>();
  const entries: Omit<HistoryEntry, 'actorName'>[] = [];
  let previous: OpenedValues = { values: {}, masked: [], unavailable: [] };
  for (const row of versions) {
    const version = Number(row.version);
    const place: VersionPlace = {
      studyId: record.study_id,
      participantId: record.participant_id,
      recordId: record.id,
      version,
    };
    const form = await ctx.forms.formVersion(row.form_version_id);
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
  // Lock and unlock events name their actor: shown only when their leaf MAC holds (issue #17).
  const events = await trustedAuditEvents(ctx.deps, { recordId: record.id });
  if (!events.ok) return events;
  for (const event of events.value) {
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
  const named = await actorNames(ctx.deps, entries, record.study_id);
  const history: HistoryEntry[] = entries.map((e) => ({ ...e, actorName: named(e) }));
  if (revealed.size === 0) return ok(history);
  return transact(db, async (trx) => {
    await auditReveal(
      ctx,
      trx,
      actor,
      record,
      [...revealed],
      versions.map((v) => Number(v.version)),
    );
    return ok(history);
  });
}

async function keyFor(
  ctx: RecordContext,
  record: repo.RecordWithContext,
): Promise<Result<ParticipantKey | null>> {
  // An erased participant's key is gone: their protected values are reported unavailable, never read.
  if (record.participant_status === 'erased') return ok(null);
  return ctx.deps.keyring.participantKey(ctx.deps.db, record.participant_id);
}

async function auditReveal(
  ctx: RecordContext,
  trx: Tx,
  actor: Actor,
  record: repo.RecordWithContext,
  fields: string[],
  versions: number[],
): Promise<void> {
  await appendAuditEvent(trx, ctx.deps, {
    actor,
    action: 'record.reveal',
    studyId: record.study_id,
    participantId: record.participant_id,
    recordId: record.id,
    target: `${record.form_oid}/${record.visit}`,
    details: { fields, versions },
  });
}
