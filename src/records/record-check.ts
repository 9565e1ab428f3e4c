import type { CheckContext, Finding, LedgerCheck, StoredEvent } from '../ledger/check.js';
import { versionDigest } from './version-digest.js';

/** What the record events say about one record: its versions' digests, lock state and creation. */
interface RecordTrail {
  readonly versions: Map<number, string>;
  locked: boolean;
  createSeq: number;
  studyId: string | null;
  participantId: string | null;
  target: string | null;
  createdAt: string;
  changedAt: string;
}

/**
 * Every record version against the event that describes it (its digest), and every record's current
 * state against the replay of its versions and lock events (21 CFR 11.10(e); ICH E6(R3) 4.2.2).
 */
export function recordCheck(): LedgerCheck {
  const trails = new Map<string, RecordTrail>();
  return {
    name: 'records',
    tables: ['records', 'record_versions'],
    collect: (event) => collectRecordTrail(trails, event),
    finish: (ctx) => verifyRecords(ctx, trails),
  };
}

function collectRecordTrail(trails: Map<string, RecordTrail>, row: StoredEvent): void {
  if (row.record_id === null || !row.action.startsWith('record.')) return;
  let trail = trails.get(row.record_id);
  if (trail === undefined) {
    trail = {
      versions: new Map(),
      locked: false,
      createSeq: -1,
      studyId: null,
      participantId: null,
      target: null,
      createdAt: '',
      changedAt: '',
    };
    trails.set(row.record_id, trail);
  }
  let details: { version?: unknown; digest?: unknown } = {};
  try {
    details = JSON.parse(row.details) as typeof details;
  } catch {
    // an unparsable event is already reported as modified
  }
  if (row.action === 'record.create' || row.action === 'record.update') {
    if (typeof details.version === 'number' && typeof details.digest === 'string') {
      trail.versions.set(details.version, details.digest);
    }
    trail.changedAt = row.at;
    if (row.action === 'record.create') {
      trail.createSeq = Number(row.seq);
      trail.studyId = row.study_id;
      trail.createdAt = row.at;
      trail.participantId = row.participant_id;
      trail.target = row.target;
    }
  } else if (row.action === 'record.lock') {
    trail.locked = true;
    trail.changedAt = row.at;
  } else if (row.action === 'record.unlock') {
    trail.locked = false;
    trail.changedAt = row.at;
  }
}

async function verifyRecords(ctx: CheckContext, trails: Map<string, RecordTrail>): Promise<void> {
  const { db } = ctx;
  const find = (f: Finding) => ctx.find(f);
  const forms = new Map(
    (await db.selectFrom('forms').select(['id', 'oid']).execute()).map((f) => [f.id, f.oid]),
  );
  const seenVersions = new Map<string, Set<number>>();
  const maxVersion = new Map<string, number>();
  let versionCount = 0;
  let lastKey: { record: string; version: number } = { record: '', version: -1 };
  for (;;) {
    const page = await db
      .selectFrom('record_versions')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('record_id', '>', lastKey.record),
          eb.and([eb('record_id', '=', lastKey.record), eb('version', '>', lastKey.version)]),
        ]),
      )
      .orderBy('record_id')
      .orderBy('version')
      .limit(5000)
      .execute();
    for (const version of page) {
      versionCount++;
      const v = Number(version.version);
      const where = `record ${version.record_id} version ${v}`;
      const described = trails.get(version.record_id)?.versions.get(v);
      if (described === undefined) {
        find({
          table: 'record_versions',
          row: where,
          kind: 'inserted',
          detail: 'no audit event describes this version',
        });
      } else if (described !== versionDigest(version)) {
        find({
          table: 'record_versions',
          row: where,
          kind: 'modified',
          detail: 'differs from the version its audit event describes',
        });
      }
      let seen = seenVersions.get(version.record_id);
      if (seen === undefined) {
        seen = new Set();
        seenVersions.set(version.record_id, seen);
      }
      seen.add(v);
      maxVersion.set(version.record_id, Math.max(v, maxVersion.get(version.record_id) ?? 0));
    }
    const last = page[page.length - 1];
    if (page.length < 5000 || last === undefined) break;
    lastKey = { record: last.record_id, version: Number(last.version) };
  }
  for (const [recordId, trail] of trails) {
    for (const v of trail.versions.keys()) {
      if (!seenVersions.get(recordId)?.has(v)) {
        find({
          table: 'record_versions',
          row: `record ${recordId} version ${v}`,
          kind: 'deleted',
          detail: 'its audit event remains',
        });
      }
    }
  }
  const records = await db.selectFrom('records').selectAll().execute();
  const present = new Set<string>();
  for (const record of records) {
    present.add(record.id);
    const where = `record ${record.id}`;
    const trail = trails.get(record.id);
    if (trail === undefined || trail.createSeq < 0) {
      find({ table: 'records', row: where, kind: 'inserted', detail: 'no audit event created this record' });
      continue;
    }
    const problems: string[] = [];
    if (Number(record.version) !== (maxVersion.get(record.id) ?? 0))
      problems.push('its version is not its latest version');
    if (Number(record.locked) !== (trail.locked ? 1 : 0))
      problems.push('its lock state is not the replay of lock and unlock events');
    if (record.participant_id !== trail.participantId)
      problems.push('its participant differs from its creation event');
    if (`${forms.get(record.form_id) ?? '?'}/${record.visit}` !== trail.target)
      problems.push('its form or visit differs from its creation event');
    if (record.study_id !== trail.studyId) problems.push('its study differs from its creation event');
    if (record.created_at !== trail.createdAt)
      problems.push('its creation time differs from its creation event');
    if (record.updated_at !== trail.changedAt) problems.push('its update time differs from its last change');
    if (problems.length > 0)
      find({ table: 'records', row: where, kind: 'modified', detail: problems.join('; ') });
  }
  for (const [recordId, trail] of trails) {
    if (trail.createSeq >= 0 && !present.has(recordId)) {
      find({
        table: 'records',
        row: `record ${recordId}`,
        kind: 'deleted',
        detail: 'its audit events remain',
      });
    }
  }
  ctx.count('records', records.length);
  ctx.count('versions', versionCount);
}
