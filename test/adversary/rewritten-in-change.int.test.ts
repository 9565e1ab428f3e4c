import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { SESSIONS, USERS } from '../../src/authz/access-bindings.js';
import { rowForChange } from '../../src/authz/tamper-in-tx.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { ok } from '../../src/core/result.js';
import { appendAuditEvent } from '../../src/ledger/audit-repo.js';
import type { SealTarget } from '../../src/ledger/row-seal-store.js';
import { setMeta } from '../../src/storage/meta-repo.js';
import type { Database } from '../../src/storage/schema.js';
import { transact } from '../../src/storage/transact.js';
import { META, PARTICIPANT_KEYS } from '../../src/vault/vault-bindings.js';
import { DbaStore } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s13, the row prediction (src/ledger/predicted-row.ts) from the seat of code the administrator
 * put in the database: a raw statement inside the change stands for the trigger, rule, index expression
 * or view that rewrites the row after the application's own write (it is invisible to the change's
 * write image exactly as they are). The change must be refused (STORE_DAMAGED), never sealed; without
 * the rewrite the same change commits (no false alarm).
 */
type Step = (
  trx: Kysely<Database>,
  s: DbaStore,
  ids: { user: string; session: string; participant: string },
) => Promise<void>;

async function change(
  s: DbaStore,
  write: Step,
  rewrite: Step | undefined,
  seals: (ids: Ids) => SealTarget[],
) {
  const victim = await s.person('principal_investigator');
  const p = await s.participant('S01');
  const session = await s.vault.store.db
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', victim.userId)
    .where('ended_at', 'is', null)
    .executeTakeFirstOrThrow();
  const ids = { user: victim.userId, session: session.id, participant: p.id };
  const result = await transact(s.vault.store.db, async (trx) => {
    await write(trx, s, ids);
    if (rewrite !== undefined) await rewrite(trx, s, ids);
    await appendAuditEvent(trx, s.vault.deps, { actor: CLI_ACTOR, action: 'auth.login', seals: seals(ids) });
    return ok(null);
  });
  return result.ok ? 'sealed' : result.error.code;
}
type Ids = { user: string; session: string; participant: string };

const CASES: ReadonlyArray<{ name: string; write: Step; rewrite: Step; seals: (ids: Ids) => SealTarget[] }> =
  [
    {
      name: 'a password hash written beside a failed attempt (the row read locked first)',
      write: async (trx, s, ids) => {
        await rowForChange(s.vault.deps, trx, USERS, [ids.user]);
        await trx.updateTable('users').set({ failed_attempts: 1 }).where('id', '=', ids.user).execute();
      },
      rewrite: async (trx, _s, ids) => {
        await sql`update users set password_hash = 'x', totp_enabled = 0 where id = ${ids.user}`.execute(trx);
      },
      seals: (ids) => [[USERS, [ids.user]]],
    },
    {
      name: 'a counter set back beside its increment (mfa_failures + 1)',
      write: async (trx, s, ids) => {
        await rowForChange(s.vault.deps, trx, USERS, [ids.user]);
        await trx
          .updateTable('users')
          .set((eb) => ({ mfa_failures: eb('mfa_failures', '+', 1) }))
          .where('id', '=', ids.user)
          .execute();
      },
      rewrite: async (trx, _s, ids) => {
        await sql`update users set mfa_failures = 0 where id = ${ids.user}`.execute(trx);
      },
      seals: (ids) => [[USERS, [ids.user]]],
    },
    {
      name: "an unlock's null written back as the text 'null'",
      write: async (trx, s, ids) => {
        await rowForChange(s.vault.deps, trx, USERS, [ids.user]);
        await trx.updateTable('users').set({ locked_until: null }).where('id', '=', ids.user).execute();
      },
      rewrite: async (trx, _s, ids) => {
        await sql`update users set locked_until = 'null' where id = ${ids.user}`.execute(trx);
      },
      seals: (ids) => [[USERS, [ids.user]]],
    },
    {
      name: 'a session ended with others (no locked read, `in`) reopened',
      write: async (trx, _s, ids) => {
        await trx
          .updateTable('sessions')
          .set({ ended_at: new Date().toISOString(), end_reason: 'logout' })
          .where('id', 'in', [ids.session])
          .execute();
      },
      rewrite: async (trx, _s, ids) => {
        await sql`update sessions set ended_at = null, end_reason = null where id = ${ids.session}`.execute(
          trx,
        );
      },
      seals: (ids) => [[SESSIONS, [ids.session]]],
    },
    {
      name: "a participant's key shredded and put back (a delete that did nothing)",
      write: async (trx, _s, ids) => {
        await trx.deleteFrom('participant_keys').where('participant_id', '=', ids.participant).execute();
      },
      rewrite: async (trx, s, ids) => {
        const saved = await sql<
          Record<string, unknown>
        >`select * from participant_keys where participant_id = ${ids.participant}`.execute(s.vault.store.db);
        const row = saved.rows[0] ?? {};
        const columns = Object.keys(row);
        await sql`insert into participant_keys (${sql.join(columns.map((c) => sql.ref(c)))}) values (${sql.join(
          columns.map((c) => row[c]),
        )})`.execute(trx);
      },
      seals: (ids) => [[PARTICIPANT_KEYS, [ids.participant]]],
    },
    {
      name: 'a setting written by an upsert (insert, or update on conflict) and rewritten',
      write: async (trx) => {
        await setMeta(trx, 'review.s13', 'as written');
      },
      rewrite: async (trx) => {
        await sql`update meta set value = 'rewritten' where key = 'review.s13'`.execute(trx);
      },
      seals: () => [[META, ['review.s13']]],
    },
  ];

for (const dialect of DIALECTS) {
  describe(`review s13: a row rewritten inside a change is never sealed (${dialect})`, () => {
    for (const c of CASES) {
      it(`${c.name}: refused`, async () =>
        DbaStore.with(dialect, async (s) => {
          expect(await change(s, c.write, c.rewrite, c.seals)).toBe('STORE_DAMAGED');
        }));
      it(`${c.name}: without the rewrite, sealed`, async () =>
        DbaStore.with(dialect, async (s) => {
          expect(await change(s, c.write, undefined, c.seals)).toBe('sealed');
        }));
    }
  });
}
