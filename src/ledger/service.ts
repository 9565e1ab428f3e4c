import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { Database } from '../storage/schema.js';
import type { CheckFactory } from './check.js';
import { eventLeaf } from './event-leaf.js';
import { extendFrontier, frontierFits, frontierRoot, packFrontier, unpackFrontier } from './frontier.js';
import type { LedgerKeys } from './ledger-keys.js';
import type { CheckpointView, ConsistencyProof, InclusionProof } from './ledger-view.js';
import { leafHash } from './merkle.js';
import { MerkleTree } from './merkle-tree.js';
import * as repo from './repo.js';
import { type Checkpoint, openCheckpoint, signCheckpoint } from './signed-note.js';
import { type VerifyReport, verifyLedger } from './verify.js';
import type { Witness } from './witness.js';
import { readWitnessed, witnessMismatch } from './witness-check.js';

export type { CheckpointView, ConsistencyProof, InclusionProof } from './ledger-view.js';

export interface LedgerConfig {
  readonly origin: string;
  readonly keys: LedgerKeys;
  readonly witness: Witness;
  /** The event MAC (the keyring's), checked by verify on every row. */
  readonly mac: (leafHash: Buffer) => Buffer;
  /** The checks the capabilities register with verify (built by the composition root, src/app/). */
  readonly checks?: readonly CheckFactory[];
}

const b64 = (b: Buffer) => b.toString('base64');

function view(row: repo.CheckpointRow, origin: string): CheckpointView {
  return { origin, size: Number(row.size), root: b64(row.root), time: row.at, note: row.note };
}

/**
 * The audit ledger: audit events are the leaves of an RFC 9162 Merkle tree (leaf index = sequence
 * number), checkpoints are Ed25519-signed C2SP notes published to the witness, and proofs can be checked
 * by any RFC 9162 implementation. The tree is cached in memory and extended from the store.
 */
export class LedgerService {
  readonly #tree = new MerkleTree();
  #syncing: Promise<Result<number>> | undefined;
  /** What the last startup check found wrong with the log (witness-check.ts); set, nothing is signed. */
  #damage: string | undefined;

  constructor(
    private readonly deps: { readonly db: Kysely<Database>; readonly clock: Clock },
    private readonly config: LedgerConfig,
  ) {}

  get origin(): string {
    return this.config.origin;
  }

  /** Extends the cached tree with the events appended since; a gap in the sequence is an integrity error. */
  sync(): Promise<Result<number>> {
    this.#syncing ??= this.#sync().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #sync(): Promise<Result<number>> {
    for await (const row of repo.eventsFrom(this.deps.db, this.#tree.size)) {
      if (Number(row.seq) !== this.#tree.size) {
        return err(
          appError('INTEGRITY_ERROR', 'The audit log has a gap: run "trialvault verify".', {
            seq: this.#tree.size,
          }),
        );
      }
      this.#tree.append(leafHash(eventLeaf(row)));
    }
    return ok(this.#tree.size);
  }

  /** What the startup check found wrong with the log, or undefined (the store may be served). */
  get damage(): string | undefined {
    return this.#damage;
  }

  /**
   * Builds the tree from every leaf hash and compares it with the witness and the newest stored
   * checkpoint (witness-check.ts; review r17): run when the vault opens and after a restore records
   * its loss window. A gap or a mismatch is kept as `damage`: the server refuses to serve, no
   * checkpoint is signed over it, and `trialvault verify` names the rows (21 CFR 11.10(e)).
   */
  async checkAtStart(): Promise<string | undefined> {
    const seen = await readWitnessed(this.deps.db, this.config);
    const size = await this.sync();
    this.#damage = !size.ok
      ? 'the audit log has a gap: events were deleted'
      : await witnessMismatch(this.deps.db, this.#tree, this.config, seen);
    return this.#damage;
  }

  /** Signs the current tree head, stores it and publishes it to the witness (21 CFR 11.10(e)). */
  async checkpoint(): Promise<Result<CheckpointView>> {
    if (this.#damage !== undefined) return err(storeDamaged(this.#damage));
    const latest = await repo.latestCheckpoint(this.deps.db);
    // A cold process (after a restart or a restore) extends the latest checkpoint's frontier with the
    // events since, instead of rehashing the whole log; proofs still build the full tree on demand.
    const quick =
      this.#tree.size === 0 && latest !== undefined ? await this.#fromFrontier(latest) : undefined;
    if (quick !== undefined && !quick.ok) return quick;
    let head: { size: number; root: Buffer; frontier: Buffer[] };
    if (quick?.ok === true && quick.value !== undefined) {
      head = quick.value;
    } else {
      const size = await this.sync();
      if (!size.ok) return size;
      head = {
        size: size.value,
        root: this.#tree.root(size.value),
        frontier: this.#tree.frontier(size.value),
      };
    }
    if (latest !== undefined && Number(latest.size) >= head.size) return ok(view(latest, this.origin));
    const { privateKey } = this.config.keys;
    if (privateKey === undefined) {
      return err(
        appError('KEY_UNAVAILABLE', 'The ledger signing key is missing: checkpoints cannot be signed.'),
      );
    }
    const checkpoint: Checkpoint = {
      origin: this.origin,
      size: head.size,
      root: head.root,
      time: this.deps.clock.now().toISOString(),
    };
    const note = signCheckpoint(checkpoint, this.origin, privateKey);
    await repo.insertCheckpoint(this.deps.db, {
      size: checkpoint.size,
      root: checkpoint.root,
      at: checkpoint.time,
      note,
      frontier: packFrontier(head.frontier),
    });
    this.config.witness.append({
      size: checkpoint.size,
      root: b64(checkpoint.root),
      time: checkpoint.time,
      note,
    });
    const warning = await this.config.witness.post(note);
    const made = {
      origin: this.origin,
      size: checkpoint.size,
      root: b64(checkpoint.root),
      time: checkpoint.time,
      note,
    };
    return ok(warning === undefined ? made : { ...made, witnessWarning: warning });
  }

  /**
   * The head after the events since `latest`, from its frontier, when the frontier is there and folds to
   * the root its signed note carries; undefined otherwise (the caller rehashes the whole log). Anything
   * altered in the stored frontier fails this check: `verify` recomputes everything regardless.
   */
  async #fromFrontier(
    latest: repo.CheckpointRow,
  ): Promise<Result<{ size: number; root: Buffer; frontier: Buffer[] } | undefined>> {
    if (latest.frontier === null) return ok(undefined);
    const signed = openCheckpoint(latest.note, this.origin, this.config.keys.publicKey);
    if (signed === null) return ok(undefined);
    const frontier = unpackFrontier(latest.frontier);
    if (!frontierFits(frontier, signed.size) || !frontierRoot(frontier).equals(signed.root))
      return ok(undefined);
    let size = signed.size;
    for await (const row of repo.eventsFrom(this.deps.db, size)) {
      if (Number(row.seq) !== size)
        return err(
          appError('INTEGRITY_ERROR', 'The audit log has a gap: run "trialvault verify".', { seq: size }),
        );
      size = extendFrontier(frontier, size, leafHash(eventLeaf(row)));
    }
    return ok({ size, root: frontierRoot(frontier), frontier });
  }

  /**
   * Checkpoints only when events were appended since the latest checkpoint, and `minEvents` or more
   * of them unless `force`; cheap when nothing changed (no tree sync).
   */
  async checkpointIfBehind(minEvents = 1): Promise<Result<CheckpointView | undefined>> {
    const latest = await repo.latestCheckpoint(this.deps.db);
    const count = await repo.eventCount(this.deps.db);
    const behind = count - Number(latest?.size ?? 0);
    if (behind <= 0 || behind < minEvents)
      return ok(latest === undefined ? undefined : view(latest, this.origin));
    return this.checkpoint();
  }

  async latestCheckpoint(): Promise<CheckpointView | undefined> {
    const row = await repo.latestCheckpoint(this.deps.db);
    return row === undefined ? undefined : view(row, this.origin);
  }

  /** Proof that event `index` is in the tree of `size` (default: the latest checkpoint). */
  async inclusion(index: number, size?: number): Promise<Result<InclusionProof>> {
    const synced = await this.sync();
    if (!synced.ok) return synced;
    const treeSize = size ?? Number((await repo.latestCheckpoint(this.deps.db))?.size ?? synced.value);
    if (
      !Number.isSafeInteger(index) ||
      !Number.isSafeInteger(treeSize) ||
      index < 0 ||
      treeSize > synced.value ||
      index >= treeSize
    ) {
      return err(
        appError(
          'VALIDATION_FAILED',
          `The index must be below the tree size (${treeSize}), at most ${synced.value}.`,
        ),
      );
    }
    return ok({
      leafIdx: index,
      treeSize,
      root: b64(this.#tree.root(treeSize)),
      leafHash: b64(this.#tree.leaf(index)),
      proof: this.#tree.inclusionProof(index, treeSize).map(b64),
    });
  }

  /** Proof that the tree of size `to` extends the tree of size `from`. */
  async consistency(from: number, to?: number): Promise<Result<ConsistencyProof>> {
    const synced = await this.sync();
    if (!synced.ok) return synced;
    const size2 = to ?? synced.value;
    if (
      !Number.isSafeInteger(from) ||
      !Number.isSafeInteger(size2) ||
      from < 1 ||
      from > size2 ||
      size2 > synced.value
    ) {
      return err(appError('VALIDATION_FAILED', `Sizes must satisfy 1 <= from <= to <= ${synced.value}.`));
    }
    return ok({
      size1: from,
      size2,
      root1: b64(this.#tree.root(from)),
      root2: b64(this.#tree.root(size2)),
      proof: this.#tree.consistencyProof(from, size2).map(b64),
    });
  }

  /** The leaf bytes of event `index`, so that anyone can recompute its leaf hash. */
  async event(
    index: number,
  ): Promise<Result<{ index: number; leaf: string; leafHash: string; text: string }>> {
    if (!Number.isSafeInteger(index) || index < 0)
      return err(appError('VALIDATION_FAILED', 'The index must be a non-negative integer.'));
    const row = await repo.findEvent(this.deps.db, index);
    if (row === undefined) return err(appError('NOT_FOUND', 'No event at this index.'));
    const leaf = eventLeaf(row);
    return ok({ index, leaf: b64(leaf), leafHash: b64(leafHash(leaf)), text: leaf.toString('utf8') });
  }

  /** Recomputes and checks the whole trail (see verify.ts); never trusts the cached tree. */
  verify(db: Kysely<Database> = this.deps.db): Promise<VerifyReport> {
    return verifyLedger(
      db,
      this.origin,
      this.config.keys.publicKey,
      this.config.witness,
      this.config.mac,
      this.config.checks,
    );
  }

  /** Opens a stored note with the log key: the checkpoint, or null when the signature does not hold. */
  open(note: string): Checkpoint | null {
    return openCheckpoint(note, this.origin, this.config.keys.publicKey);
  }
}

/** The refusal of a store whose log does not match what was witnessed (docs/errors.md STORE_DAMAGED). */
export function storeDamaged(damage: string) {
  return appError(
    'STORE_DAMAGED',
    `The audit log does not match its signed and witnessed checkpoints (${damage}): it was changed outside TrialVault. Run "trialvault verify" and restore from a backup (docs/backup.md).`,
  );
}
