import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { USERS } from '../authz/access-bindings.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { readTickOf } from '../storage/read-tick.js';
import type { SealedRow } from './row-seal.js';
import { untrustedRow } from './row-trust.js';

/**
 * Review s13: a read sent before a concurrent commit may answer the row as it was just before it,
 * after that commit has raised the row's mark. It was the current row when the read was sent, not an
 * older row put back: it is checked against the mark as it stood then (storage/read-tick.ts). A row put
 * back in SQL after the mark was raised is still refused (issue #17 review, hole A).
 */
for (const dialect of DIALECTS) {
  describe(`a read that raced a commit is no put-back (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    const userRow = async (id: string) =>
      (await t.vault.deps.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow()) as unknown as SealedRow;

    it('issue #17 / review s13: a stale read is honoured as read; the same row put back in SQL is refused', async () => {
      const { db, keyring } = t.vault.deps;
      const email = `race.${Date.now()}@example.org`;
      const { user } = expectOk(
        await t.vault.users.addUser(CLI_ACTOR, {
          email,
          name: 'Race',
          password: 'a long test passphrase 42',
        }),
      );
      // Read, then a commit that seals the row under a newer event (its mark is raised) before the check.
      const stale = await userRow(user.id);
      expect(readTickOf(stale)).toBeDefined();
      expectOk(await t.vault.users.unlock(CLI_ACTOR, email));
      const fresh = await userRow(user.id);
      expect(Number(fresh.row_seq)).toBeGreaterThan(Number(stale.row_seq));
      expect(untrustedRow(db, keyring, USERS, [fresh])).toBeUndefined();
      // The stale read was current when its query was sent: not refused, not reported.
      expect(untrustedRow(db, keyring, USERS, [stale])).toBeUndefined();
      // The same values built here, with no read behind them, are compared with the mark as it is now.
      expect(untrustedRow(db, keyring, USERS, [{ ...stale }])).toBeDefined();
      // A database administrator puts the older row back: a read sent after the raise refuses it.
      await sql`update users set row_seq = ${stale.row_seq}, row_mac = ${stale.row_mac}, updated_at = ${stale.updated_at} where id = ${user.id}`.execute(
        db,
      );
      const putBack = await userRow(user.id);
      expect(Number(putBack.row_seq)).toBe(Number(stale.row_seq));
      expect(untrustedRow(db, keyring, USERS, [putBack])).toBe(putBack);
    });
  });
}
