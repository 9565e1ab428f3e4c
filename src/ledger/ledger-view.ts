/** What the ledger routes answer (node-free: the web app imports these types). */
export interface CheckpointView {
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  readonly time: string;
  readonly note: string;
  /** Set when the webhook witness could not be reached (the file witness always is written). */
  readonly witnessWarning?: string;
}

export interface InclusionProof {
  readonly leafIdx: number;
  readonly treeSize: number;
  readonly root: string;
  readonly leafHash: string;
  readonly proof: string[];
}

export interface ConsistencyProof {
  readonly size1: number;
  readonly size2: number;
  readonly root1: string;
  readonly root2: string;
  readonly proof: string[];
}

/** An event's leaf as served (docs/ledger.md): its index, bytes, hash and canonical text. */
export interface LeafView {
  readonly index: number;
  readonly leaf: string;
  readonly leafHash: string;
  readonly text: string;
}

/**
 * The answer of a whole-store verification, as ledger/verify.ts reports it (kept in step with its
 * VerifyReport by the answer schema in audit/ledger-routes.ts, which is checked against both).
 */
export interface VerifyReportView {
  readonly ok: boolean;
  readonly events: number;
  readonly checkpoints: number;
  readonly witnessed: number;
  /** What the registered checks compared, by what they counted (`records`, `device uploads`...). */
  readonly counts: Readonly<Record<string, number>>;
  /** Each registered check: the tables it vouches for, what it compared and how many findings it made. */
  readonly checks: readonly {
    readonly name: string;
    readonly tables: readonly string[];
    readonly counts: Readonly<Record<string, number>>;
    readonly findings: number;
  }[];
  readonly root: string;
  readonly latestCheckpoint: number | null;
  readonly findings: {
    readonly table: string;
    readonly row: string;
    readonly kind: string;
    readonly detail: string;
  }[];
}
