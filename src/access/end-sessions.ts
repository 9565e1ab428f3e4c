import { SESSIONS, USERS } from '../authz/access-bindings.js';
import { tamperedInTx } from '../authz/tamper-in-tx.js';
import { readSealedRow } from '../ledger/row-seal-store.js';
import { untrustedRow } from '../ledger/row-trust.js';
import { onPostgres } from '../storage/dialect.js';
import { forgetReadTick } from '../storage/read-tick.js';
import type { VaultDeps } from '../vault/deps.js';

/**
 * Ends a user's open sessions (all, or all but `keep`) inside the caller's transaction and answers the
 * ids its event may seal. Every one ends, but a row that fails its check (a session inserted or moved
 * in SQL) is reported and left unsealed (review s13): sealed as ended, the forgery would pass `verify`.
 */
export async function endSessions(
  deps: VaultDeps,
  trx: VaultDeps['db'],
  userId: string,
  at: string,
  reason: string,
  keep?: string,
): Promise<string[]> {
  const postgres = onPostgres(trx);
  // The user row first, then the sessions in key order: the order every other change takes, so two
  // changes never wait for each other (PostgreSQL).
  if (postgres) await readSealedRow(trx, USERS, [userId], true);
  let open = trx
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('ended_at', 'is', null)
    .orderBy('id');
  if (keep !== undefined) open = open.where('id', '!=', keep);
  const rows = await (postgres ? open.forUpdate() : open).execute();
  if (rows.length === 0) return [];
  await trx
    .updateTable('sessions')
    .set({ ended_at: at, end_reason: reason })
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  const sealed: string[] = [];
  for (const row of rows) {
    // A locked read answers the latest version: checked against the mark as it is now (read-tick.ts).
    forgetReadTick(row);
    if (untrustedRow(deps.db, deps.keyring, SESSIONS, [row]) === undefined) sealed.push(row.id);
    else tamperedInTx(deps, SESSIONS, row);
  }
  return sealed;
}
