import type { KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import { versionDigest } from '../records/version-digest.js';
import type { Database } from '../storage/schema.js';
import { type EventRow, eventLeaf } from './event-leaf.js';
import { leafHash } from './merkle.js';
import { MerkleTree } from './merkle-tree.js';
import * as repo from './repo.js';
import { openCheckpoint } from './signed-note.js';
import { TelemetryTrail, verifyTelemetry } from './verify-telemetry.js';
import type { Witness } from './witness.js';

export type FindingKind =
  | 'modified'
  | 'deleted'
  | 'inserted'
  | 'reordered'
  | 'checkpoint-rolled-back'
  | 'checkpoint-forked'
  | 'witness-ahead-of-database'
  | 'witness-damaged';

export interface Finding {
  readonly table: string;
  readonly row: string;
  readonly kind: FindingKind;
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly checkpoints: number;
  readonly witnessed: number;
  readonly records: number;
  readonly versions: number;
  /** Device uploads checked against the events that accepted them. */
  readonly telemetryUploads: number;
  readonly root: string;
  readonly latestCheckpoint: number | null;
  readonly findings: Finding[];
}

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

const MAX_FINDINGS = 1000;

/**
 * Recomputes the whole trail from what is stored and checks it against what was signed and published:
 * every leaf (and the hash stored at append), the sequence, every checkpoint's signature and root, the
 * witness, every record version against the event that describes it, every record's current state
 * against the replay of its versions and lock events, and every device upload against its event
 * (21 CFR 11.10(e); ICH E6(R3) 4.2.2).
 */
export async function verifyLedger(
  db: Kysely<Database>,
  origin: string,
  publicKey: KeyObject,
  witness: Witness,
  mac: (leafHash: Buffer) => Buffer,
): Promise<VerifyReport> {
  const findings: Finding[] = [];
  const find = (f: Finding) => {
    if (findings.length < MAX_FINDINGS) findings.push(f);
  };
  const tree = new MerkleTree();
  const trails = new Map<string, RecordTrail>();
  const telemetry = new TelemetryTrail();
  const mismatched: { row: EventRow; stored: Buffer }[] = [];
  const restores: { at: string; lostFrom: number; lostThrough: number }[] = [];
  const latestSignedSize = Number((await repo.latestCheckpoint(db))?.size ?? 0);
  for await (const row of eventsWithHashes(db)) {
    const seq = Number(row.seq);
    while (tree.size < seq) {
      find({
        table: 'audit_events',
        row: `seq ${tree.size}`,
        kind: 'deleted',
        detail: 'the sequence has a gap here',
      });
      tree.append(Buffer.alloc(32));
    }
    const hash = leafHash(eventLeaf(row));
    tree.append(hash);
    if (row.leaf_mac === null || !mac(hash).equals(row.leaf_mac)) {
      mismatched.push({ row, stored: row.leaf_mac ?? Buffer.alloc(0) });
    }
    collectRecordTrail(trails, row);
    telemetry.collect(row);
    if (row.action === 'backup.restore') restores.push(restoreGap(row));
  }
  reportMismatches(mismatched, mac, latestSignedSize, find);

  const checkpoints = await repo.listCheckpoints(db);
  const signed = new Map<number, string>();
  for (const cp of checkpoints) {
    const size = Number(cp.size);
    const opened = openCheckpoint(cp.note, origin, publicKey);
    if (opened === null || opened.size !== size || !opened.root.equals(cp.root) || opened.time !== cp.at) {
      find({
        table: 'ledger_checkpoints',
        row: `size ${size}`,
        kind: 'modified',
        detail: 'the signature or its contents do not hold',
      });
      continue;
    }
    signed.set(size, cp.root.toString('base64'));
    if (size > tree.size) {
      find({
        table: 'audit_events',
        row: `seq ${tree.size}..${size - 1}`,
        kind: 'deleted',
        detail: `checkpoint ${size} covers events the log no longer has`,
      });
    } else if (!tree.root(size).equals(cp.root)) {
      find({
        table: 'audit_events',
        row: `seq < ${size}`,
        kind: 'modified',
        detail: `the log no longer matches signed checkpoint ${size}`,
      });
    }
  }

  const { entries, badLines } = witness.read();
  for (const line of badLines)
    find({ table: 'witness', row: `line ${line}`, kind: 'witness-damaged', detail: 'not a witness entry' });
  let witnessed = 0;
  for (const entry of entries) {
    const opened = openCheckpoint(entry.note, origin, publicKey);
    if (opened === null || opened.size !== entry.size) {
      find({
        table: 'witness',
        row: `size ${entry.size}`,
        kind: 'witness-damaged',
        detail: 'the signature does not hold',
      });
      continue;
    }
    witnessed++;
    // A restore from backup records the events it lost; checkpoints published in that window are
    // acknowledged by the (MAC-protected) restore event instead of reported as tampering.
    if (restores.some((r) => entry.size > r.lostFrom && entry.size <= r.lostThrough && entry.time <= r.at))
      continue;
    if (entry.size > tree.size) {
      find({
        table: 'ledger_checkpoints',
        row: `size ${entry.size}`,
        kind: 'witness-ahead-of-database',
        detail: `the witness holds checkpoint ${entry.size} but the log has ${tree.size} events: the database was rolled back or events deleted`,
      });
    } else if (!tree.root(entry.size).equals(opened.root)) {
      find({
        table: 'audit_events',
        row: `seq < ${entry.size}`,
        kind: 'checkpoint-forked',
        detail: `the log forks from published checkpoint ${entry.size}`,
      });
    }
    const stored = signed.get(entry.size);
    if (stored === undefined && entry.size <= tree.size) {
      find({
        table: 'ledger_checkpoints',
        row: `size ${entry.size}`,
        kind: 'deleted',
        detail: 'a published checkpoint is missing from the store',
      });
    } else if (stored !== undefined && stored !== opened.root.toString('base64')) {
      find({
        table: 'ledger_checkpoints',
        row: `size ${entry.size}`,
        kind: 'checkpoint-forked',
        detail: 'differs from the published one',
      });
    }
  }
  const latestWitnessed = Math.max(
    0,
    ...entries
      .filter((e) => !restores.some((r) => e.size > r.lostFrom && e.size <= r.lostThrough && e.time <= r.at))
      .map((e) => e.size),
  );
  const latestSigned = Math.max(0, ...signed.keys());
  if (latestSigned < latestWitnessed && latestWitnessed <= tree.size) {
    find({
      table: 'ledger_checkpoints',
      row: `size ${latestWitnessed}`,
      kind: 'checkpoint-rolled-back',
      detail: 'the store lacks the newest published checkpoint',
    });
  }

  const counts = await verifyRecords(db, trails, find);
  const telemetryUploads = await verifyTelemetry(db, telemetry, find);
  return {
    ok: findings.length === 0,
    events: tree.size,
    checkpoints: checkpoints.length,
    witnessed,
    records: counts.records,
    versions: counts.versions,
    telemetryUploads,
    root: tree.root().toString('base64'),
    latestCheckpoint: checkpoints.length === 0 ? null : Number(checkpoints[checkpoints.length - 1]?.size),
    findings,
  };
}

async function* eventsWithHashes(
  db: Kysely<Database>,
): AsyncGenerator<EventRow & { leaf_mac: Buffer | null }> {
  let next = 0;
  for (;;) {
    const page = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>=', next)
      .orderBy('seq')
      .limit(5000)
      .execute();
    for (const row of page) yield row;
    const last = page[page.length - 1];
    if (page.length < 5000 || last === undefined) return;
    next = Number(last.seq) + 1;
  }
}

function restoreGap(row: EventRow): { at: string; lostFrom: number; lostThrough: number } {
  try {
    const d = JSON.parse(row.details) as { lostFrom?: unknown; lostThrough?: unknown };
    if (typeof d.lostFrom === 'number' && typeof d.lostThrough === 'number') {
      return { at: row.at, lostFrom: d.lostFrom, lostThrough: d.lostThrough };
    }
  } catch {
    // an unparsable event is reported as modified elsewhere
  }
  return { at: row.at, lostFrom: 0, lostThrough: 0 };
}

/**
 * A row whose MAC does not hold was written or changed outside TrialVault. If its MAC fits another
 * mismatched row's position, the two were swapped (reordered); past the newest checkpoint it was
 * inserted; otherwise edited.
 */
function reportMismatches(
  mismatched: { row: EventRow; stored: Buffer }[],
  mac: (leafHash: Buffer) => Buffer,
  latestSignedSize: number,
  find: (f: Finding) => void,
): void {
  const seqs = mismatched.map((m) => Number(m.row.seq));
  for (const { row, stored } of mismatched) {
    const seq = Number(row.seq);
    const from = seqs.find(
      (other) => other !== seq && mac(leafHash(eventLeaf({ ...row, seq: other }))).equals(stored),
    );
    const where = { table: 'audit_events', row: `seq ${seq}` };
    if (from !== undefined)
      find({ ...where, kind: 'reordered', detail: `holds the event appended at seq ${from}` });
    else if (seq >= latestSignedSize)
      find({
        ...where,
        kind: 'inserted',
        detail: 'an event TrialVault did not write (its MAC does not hold)',
      });
    else find({ ...where, kind: 'modified', detail: 'the event no longer matches the MAC taken at append' });
  }
}

function collectRecordTrail(trails: Map<string, RecordTrail>, row: EventRow): void {
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

async function verifyRecords(
  db: Kysely<Database>,
  trails: Map<string, RecordTrail>,
  find: (f: Finding) => void,
): Promise<{ records: number; versions: number }> {
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
  return { records: records.length, versions: versionCount };
}
