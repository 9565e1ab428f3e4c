import { raiseTamperAlert } from '../authz/row-tamper.js';
import { ok } from '../core/result.js';
import type { AuditAction } from '../ledger/audit-event.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { eventLeaf } from '../ledger/event-leaf.js';
import { followFrom, ledgerTop } from '../ledger/ledger-tail.js';
import { leafHash } from '../ledger/merkle.js';
import { ROW_MAC, ROW_SEQ, rowKeyOf } from '../ledger/row-seal.js';
import {
  anyRowMac,
  ROWS_SEALED,
  rowStanding,
  SealLedger,
  tablePages,
  tableRows,
} from '../ledger/row-seal-ledger.js';
import { parseRowSeals, type RowSealEntry, type SealTarget } from '../ledger/row-seal-store.js';
import { distrustRows, rowId, seedMark } from '../ledger/row-trust.js';
import { storedMacHolds } from '../ledger/stored-mac.js';
import { allBindings, type TableBinding } from '../ledger/table-binding.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';

const SYSTEM = { kind: 'system', id: 'row-seal' } as const;

/**
 * Run when the vault opens with its keys (issue #17), generic over the registered bindings:
 * - a store from before row seals has no `ledger.rows-sealed` event: every row of a row-sealed table
 *   without a MAC is sealed, once, under that one audited event. Once the event is in the ledger (the
 *   ledger decides, not a flag a database administrator could delete), a row without a MAC is an
 *   insertion and is never sealed;
 * - otherwise the rows the server checks on read are compared with the latest seal the ledger holds
 *   for them: a row whose MAC holds but which differs (an older row restored, e.g. an un-revoked
 *   token) or which the ledger never sealed is distrusted in memory and refused like a bad MAC; one
 *   audit event and one alert for the system administrators.
 */
export async function sealAndProject(deps: VaultDeps, opened: { created?: boolean } = {}): Promise<void> {
  // Read before the ledger and the rows: what another process commits meanwhile is followed (s9b).
  const followAt = await ledgerTop(deps.db);
  try {
    await project(deps, opened);
  } finally {
    // From here on the marks follow the ledger's tail, whoever appends (ledger-tail.ts, S9-1b).
    await followFrom(deps.db, deps.keyring, followAt);
  }
}

async function project(deps: VaultDeps, opened: { created?: boolean }): Promise<void> {
  let ledger = await SealLedger.read(deps.db);
  if (await sealLate(deps, ledger, opened)) ledger = await SealLedger.read(deps.db);
  const bindings = allBindings().filter((b) => b.how === 'row-seal' && b.sealedBy === undefined);
  if (
    ledger.rowsSealedAt === undefined &&
    opened.created !== true &&
    (await sealedBefore(deps, ledger, bindings))
  ) {
    // The event that sealed this store is gone or changed: never seal forged rows, refuse them on read.
    await transact(deps.db, async (trx) => {
      await raiseTamperAlert(trx, deps, { missing: ROWS_SEALED, at: 'startup' }, 'audit_events');
      return ok(null);
    });
  } else if (ledger.rowsSealedAt === undefined) {
    const targets: SealTarget[] = [];
    const counts: Record<string, number> = {};
    for (const binding of bindings) {
      for (const row of await tableRows(deps.db, binding.table)) {
        if (row[ROW_MAC] !== null && row[ROW_MAC] !== undefined) continue;
        targets.push([binding, binding.key.map((c) => row[c])]);
        counts[binding.table] = (counts[binding.table] ?? 0) + 1;
      }
    }
    await transact(deps.db, async (trx) => {
      await appendAuditEvent(trx, deps, {
        actor: SYSTEM,
        action: ROWS_SEALED,
        details: { rows: counts },
        seals: targets,
      });
      return ok(null);
    });
    return;
  }
  const distrusted: string[] = [];
  const counts: Record<string, number> = {};
  const forged = await forgedEvents(deps);
  const checked = allBindings().filter((b) => b.how === 'row-seal' && b.checkedOnRead === true);
  for (const binding of checked) {
    for await (const page of tablePages(deps.db, binding))
      for (const row of page) {
        const standing = rowStanding(deps.keyring, binding, row, ledger);
        const id = rowId(binding.table, rowKeyOf(binding, row));
        // A row without a MAC is refused on read anyway; these have one that holds, or a forged one.
        if (standing === 'differs' || standing === 'not-in-ledger' || forged.touches(binding, row, id)) {
          distrusted.push(id);
          counts[binding.table] = (counts[binding.table] ?? 0) + 1;
        } else if (standing === undefined) {
          // The row is the ledger's latest: its row_seq is the high-water mark from now on (S9-1).
          const seq = Number(row[ROW_SEQ]);
          if (Number.isSafeInteger(seq)) seedMark(deps.keyring, binding.table, id, seq);
        }
      }
  }
  if (distrusted.length === 0) return;
  distrustRows(deps.db, distrusted);
  await transact(deps.db, async (trx) => {
    const events = forged.count === 0 ? {} : { forgedEvents: forged.count };
    await raiseTamperAlert(trx, deps, { tables: counts, at: 'startup', ...events });
    return ok(null);
  });
}

/**
 * Tables sealed after row seals came (TableBinding.sealedBy: the record tables, migration 0014): while
 * their sealing event is not in the ledger, their rows without a MAC are sealed once under it (zero
 * rows on a new store). A store that bears marks of that sealing (a row MAC or a ledger seal in those
 * tables, or a ledger whose events do not all hold) lost the event: nothing is sealed, an alert is
 * raised, and the rows without a MAC are refused on read. True when an event was appended.
 */
async function sealLate(
  deps: VaultDeps,
  ledger: SealLedger,
  opened: { created?: boolean },
): Promise<boolean> {
  const late = allBindings().filter((b) => b.how === 'row-seal' && b.sealedBy !== undefined);
  let appended = false;
  for (const action of new Set(late.map((b) => b.sealedBy ?? ROWS_SEALED))) {
    if (ledger.lateSeals.has(action) || action === ROWS_SEALED) continue;
    const bindings = late.filter((b) => b.sealedBy === action);
    if (opened.created !== true && (await lateMarks(deps, ledger, bindings))) {
      await transact(deps.db, async (trx) => {
        await raiseTamperAlert(trx, deps, { missing: action, at: 'startup' }, 'audit_events');
        return ok(null);
      });
      continue;
    }
    const targets: SealTarget[] = [];
    const counts: Record<string, number> = {};
    for (const binding of bindings) {
      counts[binding.table] = 0;
      for await (const page of tablePages(deps.db, binding))
        for (const row of page) {
          targets.push([binding, binding.key.map((c) => row[c])]);
          counts[binding.table] = (counts[binding.table] ?? 0) + 1;
        }
    }
    await transact(deps.db, async (trx) => {
      await appendAuditEvent(trx, deps, {
        actor: SYSTEM,
        action: action as AuditAction,
        details: { rows: counts },
        seals: targets,
      });
      return ok(null);
    });
    appended = true;
  }
  return appended;
}

/** Whether the tables of a late sealing were sealed before (its event then went missing). */
async function lateMarks(
  deps: VaultDeps,
  ledger: SealLedger,
  bindings: readonly TableBinding[],
): Promise<boolean> {
  const prefixes = bindings.map((b) => rowId(b.table, []).slice(0, -2));
  for (const id of ledger.seals.keys()) if (prefixes.some((p) => id.startsWith(p))) return true;
  for (const binding of bindings) if (await anyRowMac(deps.db, binding.table)) return true;
  return chainBroken(deps);
}

/**
 * Events whose leaf MAC fails (review hole D): their row_seals cannot be trusted, and seals nulled or
 * changed there would let the projection take an older row for the latest. The rows such an event
 * seals (or, its seals unreadable, the row its target names; with no target, every checked row) are
 * distrusted. `verify` names the event itself (21 CFR 11.10(c), 11.10(e)).
 */
async function forgedEvents(deps: VaultDeps): Promise<{
  count: number;
  touches(binding: TableBinding, row: Readonly<Record<string, unknown>>, id: string): boolean;
}> {
  const ids = new Set<string>();
  const targets = new Set<string>();
  let all = false;
  let count = 0;
  let next = 0;
  for (;;) {
    const page = await deps.db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>=', next)
      .orderBy('seq')
      .limit(5000)
      .execute();
    for (const row of page) {
      next = Number(row.seq) + 1;
      // Events before migration 0002 have no leaf MAC (checkpoints cover them).
      if (
        row.leaf_mac === null ||
        storedMacHolds(deps.keyring.eventMac(leafHash(eventLeaf(row))), row.leaf_mac)
      )
        continue;
      count += 1;
      let entries: RowSealEntry[] = [];
      try {
        entries = parseRowSeals(row.row_seals);
      } catch {
        entries = [];
      }
      for (const [table, key] of entries) ids.add(rowId(table, key));
      if (entries.length > 0) continue;
      if (row.target === null) all = true;
      else targets.add(row.target);
    }
    if (page.length < 5000) break;
  }
  return {
    count,
    touches: (binding, row, id) =>
      all || ids.has(id) || (binding.key.length === 1 && targets.has(String(row[binding.key[0] ?? '']))),
  };
}

/**
 * Whether a store without a `ledger.rows-sealed` event bears marks of row seals, so that the event was
 * deleted or changed (review of issue #17): a row MAC, an event carrying row seals, a gap in the
 * sequence or an event whose leaf MAC fails (or is missing after one that has it). Only a store from before row seals, whose events all
 * hold, is ever sealed wholesale; a database administrator cannot make theirs look like one without
 * the ledger MAC key (21 CFR 11.10(e); ASVS 8.2.1).
 */
async function sealedBefore(
  deps: VaultDeps,
  ledger: SealLedger,
  bindings: readonly TableBinding[],
): Promise<boolean> {
  if (ledger.seals.size > 0) return true;
  for (const binding of bindings) {
    const rows = await tableRows(deps.db, binding.table);
    if (rows.some((row) => row[ROW_MAC] !== null && row[ROW_MAC] !== undefined)) return true;
  }
  return chainBroken(deps);
}

/** A gap in the sequence, or an event whose leaf MAC fails (or is missing after one that has it). */
async function chainBroken(deps: VaultDeps): Promise<boolean> {
  let next = 0;
  let maced = false;
  for (;;) {
    const page = await deps.db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>=', next)
      .orderBy('seq')
      .limit(5000)
      .execute();
    for (const row of page) {
      if (Number(row.seq) !== next) return true;
      // Events before migration 0002 have no leaf MAC (they rely on checkpoints); once one has, all do.
      if (row.leaf_mac === null) {
        if (maced) return true;
      } else if (!storedMacHolds(deps.keyring.eventMac(leafHash(eventLeaf(row))), row.leaf_mac)) return true;
      maced ||= row.leaf_mac !== null;
      next += 1;
    }
    if (page.length < 5000) return false;
  }
}
