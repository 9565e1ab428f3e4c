import type { KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { CheckFactory, CheckSummary, Finding, LedgerCheck, StoredEvent } from './check.js';
import { type EventRow, eventLeaf } from './event-leaf.js';
import { packFrontier } from './frontier.js';
import { leafHash } from './merkle.js';
import { MerkleTree } from './merkle-tree.js';
import * as repo from './repo.js';
import { openCheckpoint } from './signed-note.js';
import { storedMacBytes, storedMacHolds } from './stored-mac.js';
import type { Witness } from './witness.js';

export type { Finding, FindingKind } from './check.js';

export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly checkpoints: number;
  readonly witnessed: number;
  /** What the registered checks compared, by what they counted (`records`, `device uploads`...). */
  readonly counts: Readonly<Record<string, number>>;
  /** Each registered check: the tables it vouches for, what it compared and how many findings it made. */
  readonly checks: readonly CheckSummary[];
  readonly root: string;
  readonly latestCheckpoint: number | null;
  readonly findings: Finding[];
}

const MAX_FINDINGS = 1000;

/**
 * Recomputes the whole trail from what is stored and checks it against what was signed and published:
 * every leaf (and the hash stored at append), the sequence, every checkpoint's signature and root, the
 * witness; then the checks the capabilities registered (records, device uploads, row seals...) compare
 * their tables with the events, replayed once in the same pass (21 CFR 11.10(e); ICH E6(R3) 4.2.2).
 */
export async function verifyLedger(
  db: Kysely<Database>,
  origin: string,
  publicKey: KeyObject,
  witness: Witness,
  mac: (leafHash: Buffer) => Buffer,
  checkFactories: readonly CheckFactory[] = [],
): Promise<VerifyReport> {
  const findings: Finding[] = [];
  const find = (f: Finding) => {
    if (findings.length < MAX_FINDINGS) findings.push(f);
  };
  const tree = new MerkleTree();
  const checks: LedgerCheck[] = checkFactories.map((make) => make());
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
    if (row.leaf_mac === null || !storedMacHolds(mac(hash), row.leaf_mac)) {
      mismatched.push({ row, stored: storedMacBytes(row.leaf_mac) ?? Buffer.alloc(0) });
    }
    for (const check of checks) check.collect?.(row);
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
    } else if (cp.frontier !== null && !packFrontier(tree.frontier(size)).equals(cp.frontier)) {
      // The frontier only saves a cold start the replay (a wrong one is refused there and the log
      // replayed), but it is stored state: a change to it is tampering all the same. A null one
      // (checkpoints older than migration 0006) makes the service replay the log.
      find({
        table: 'ledger_checkpoints',
        row: `size ${size}`,
        kind: 'modified',
        detail: "its frontier is not the log's at this size",
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

  const { counts, summaries } = await runChecks(db, checks, find);
  return {
    ok: findings.length === 0,
    events: tree.size,
    checkpoints: checkpoints.length,
    witnessed,
    counts,
    checks: summaries,
    root: tree.root().toString('base64'),
    latestCheckpoint: checkpoints.length === 0 ? null : Number(checkpoints[checkpoints.length - 1]?.size),
    findings,
  };
}

/** Finishes each check in turn, in registration order, counting what each compared and found. */
async function runChecks(
  db: Kysely<Database>,
  checks: readonly LedgerCheck[],
  find: (f: Finding) => void,
): Promise<{ counts: Record<string, number>; summaries: CheckSummary[] }> {
  const counts: Record<string, number> = {};
  const summaries: CheckSummary[] = [];
  for (const check of checks) {
    const own: Record<string, number> = {};
    let found = 0;
    await check.finish({
      db,
      find: (f) => {
        found++;
        find(f);
      },
      count: (what, n) => {
        own[what] = (own[what] ?? 0) + n;
        counts[what] = (counts[what] ?? 0) + n;
      },
    });
    summaries.push({ name: check.name, tables: check.tables, counts: own, findings: found });
  }
  return { counts, summaries };
}

async function* eventsWithHashes(db: Kysely<Database>): AsyncGenerator<StoredEvent> {
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
