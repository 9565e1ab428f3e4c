import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { eventLeaf } from './event-leaf.js';
import { leafHash } from './merkle.js';
import type { MerkleTree } from './merkle-tree.js';
import * as repo from './repo.js';
import type { LedgerConfig } from './service.js';
import { openCheckpoint } from './signed-note.js';
import { storedMacHolds } from './stored-mac.js';
import type { WitnessEntry } from './witness.js';

/**
 * Per store handle, the prefix of the log the startup check proved against the witness (its root at
 * the newest witnessed size is the published one) and the tree holding its leaf hashes. An event
 * without a leaf MAC (appended before migration 0002) is genuine only inside that prefix and only
 * while its leaf hash is the proven one (review r17, R17-2): a MAC nulled in SQL proves nothing.
 */
const proven = new WeakMap<Kysely<Database>, { size: number; tree: MerkleTree }>();

export function setProvenPrefix(db: Kysely<Database>, size: number, tree: MerkleTree): void {
  proven.set(db, { size, tree });
}

/** Whether an event at `seq` with this leaf hash lies in the prefix the witness proved. */
export function provenLeaf(db: Kysely<Database>, seq: number, hash: Buffer): boolean {
  const prefix = proven.get(db);
  return (
    prefix !== undefined && seq < prefix.size && seq < prefix.tree.size && prefix.tree.leaf(seq).equals(hash)
  );
}

/**
 * The witness and the newest stored checkpoint, read BEFORE the log (a server running beside a CLI
 * command stores a checkpoint after its events commit, then appends it to the witness): whatever was
 * read here is covered by the events read after it, so a concurrent checkpoint is never a mismatch.
 */
export interface WitnessedState {
  readonly entries: readonly WitnessEntry[];
  readonly latest: repo.CheckpointRow | undefined;
}

export async function readWitnessed(db: Kysely<Database>, config: LedgerConfig): Promise<WitnessedState> {
  const entries = config.witness.read().entries;
  return { entries, latest: await repo.latestCheckpoint(db) };
}

/** A restore from backup's acknowledged loss window (its event's leaf MAC holds). */
interface LossWindow {
  readonly at: string;
  readonly lostFrom: number;
  readonly lostThrough: number;
}

/**
 * The cheap part of `verify` run when the vault opens (review r17, R17-1 and R17-8), on the tree the
 * ledger just built from every leaf hash: the log must hold every checkpoint the witness (outside the
 * database, in the key directory) published, and its root at the newest one must be the published
 * root; the newest checkpoint the store keeps must carry a signature that holds and the log's root.
 * A loss window recorded by a restore from backup (an event whose leaf MAC holds) is acknowledged, as
 * verify does. The answer is what does not hold, in words for the operator; undefined when all holds.
 */
export async function witnessMismatch(
  db: Kysely<Database>,
  tree: MerkleTree,
  config: LedgerConfig,
  seen: WitnessedState,
): Promise<string | undefined> {
  const { origin } = config;
  const publicKey = config.keys.publicKey;
  const windows = await lossWindows(db, tree, config);
  const acknowledged = (size: number, time: string) =>
    windows.some((w) => size > w.lostFrom && size <= w.lostThrough && time <= w.at);
  const entries = seen.entries.filter((e) => !acknowledged(e.size, e.time)).sort((a, b) => a.size - b.size);
  for (const entry of entries) {
    if (entry.size <= tree.size) continue;
    const opened = openCheckpoint(entry.note, origin, publicKey);
    if (opened !== null && opened.size === entry.size)
      return `the witness holds checkpoint ${entry.size} but the log has ${tree.size} events: the database was rolled back or events deleted`;
  }
  const newest = [...entries].reverse().find((e) => {
    const opened = openCheckpoint(e.note, origin, publicKey);
    return opened !== null && opened.size === e.size;
  });
  setProvenPrefix(db, 0, tree);
  if (newest !== undefined) {
    const opened = openCheckpoint(newest.note, origin, publicKey);
    if (opened !== null && !tree.root(newest.size).equals(opened.root))
      return `the log forks from published checkpoint ${newest.size}`;
    setProvenPrefix(db, newest.size, tree);
  }
  const latest = seen.latest;
  if (latest === undefined) {
    if (newest !== undefined) return 'the store lacks the newest published checkpoint';
    return undefined;
  }
  const size = Number(latest.size);
  const signed = openCheckpoint(latest.note, origin, publicKey);
  if (
    signed === null ||
    signed.size !== size ||
    !signed.root.equals(latest.root) ||
    signed.time !== latest.at
  )
    return `the signature of stored checkpoint ${size} does not hold`;
  if (size > tree.size) return `stored checkpoint ${size} covers events the log no longer has`;
  if (!tree.root(size).equals(latest.root)) return `the log no longer matches signed checkpoint ${size}`;
  if (newest !== undefined && size < newest.size) return 'the store lacks the newest published checkpoint';
  return undefined;
}

/** The loss windows of restores from backup whose events hold (a forged one acknowledges nothing). */
async function lossWindows(
  db: Kysely<Database>,
  tree: MerkleTree,
  config: LedgerConfig,
): Promise<LossWindow[]> {
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'backup.restore')
    .execute();
  const windows: LossWindow[] = [];
  for (const row of rows) {
    const hash = leafHash(eventLeaf(row));
    const seq = Number(row.seq);
    if (row.leaf_mac === null || !storedMacHolds(config.mac(hash), row.leaf_mac)) continue;
    if (seq >= tree.size || !tree.leaf(seq).equals(hash)) continue;
    try {
      const d = JSON.parse(row.details) as { lostFrom?: unknown; lostThrough?: unknown };
      if (typeof d.lostFrom === 'number' && typeof d.lostThrough === 'number')
        windows.push({ at: row.at, lostFrom: d.lostFrom, lostThrough: d.lostThrough });
    } catch {
      // an unparsable restore event acknowledges nothing
    }
  }
  return windows;
}
