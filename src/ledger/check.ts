import type { Kysely, Selectable } from 'kysely';
import type { AuditEventTable, Database } from '../storage/schema.js';

/** An audit event as stored, with every column (row seals included). */
export type StoredEvent = Selectable<AuditEventTable>;

/** What kind of tampering a finding reports (docs/ledger.md, "verify"). */
export type FindingKind =
  | 'modified'
  | 'deleted'
  | 'inserted'
  | 'reordered'
  | 'checkpoint-rolled-back'
  | 'checkpoint-forked'
  | 'witness-ahead-of-database'
  | 'witness-damaged';

/** One tampering found: the table, the row (by its key, never its content: no PHI) and its kind. */
export interface Finding {
  readonly table: string;
  readonly row: string;
  readonly kind: FindingKind;
  readonly detail: string;
}

/** What a check may use when it compares the tables with what the events imply. */
export interface CheckContext {
  /** The store being verified (possibly a transaction, so that a test can tamper and roll back). */
  readonly db: Kysely<Database>;
  find(f: Finding): void;
  /** Reports how many rows of something were compared (`5 records`), shown in the verify report. */
  count(what: string, n: number): void;
}

/**
 * A check a capability registers with verify (the composition root builds the list), so that the
 * ledger knows no capability: every event is handed to `collect` in one pass in sequence order (its
 * leaf is checked by the ledger itself), then `finish` compares the capability's tables with the
 * replay and names each table, row and kind of tampering (21 CFR 11.10(e); issue #17).
 */
export interface LedgerCheck {
  readonly name: string;
  /** The tables this check vouches for (docs/ledger.md lists them). */
  readonly tables: readonly string[];
  /** Every stored event with all its columns (new ones, such as row seals, included). */
  collect?(event: StoredEvent): void;
  finish(ctx: CheckContext): Promise<void>;
}

/** A check keeps state while the events are replayed: each verify run makes fresh ones. */
export type CheckFactory = () => LedgerCheck;

/** What one check compared and found, in the verify report. */
export interface CheckSummary {
  readonly name: string;
  readonly tables: readonly string[];
  readonly counts: Readonly<Record<string, number>>;
  readonly findings: number;
}
