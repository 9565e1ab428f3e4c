import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk, ok } from '../core/result.js';
import { readSealedRow } from '../ledger/row-seal-store.js';
import { readTickOf } from '../storage/read-tick.js';
import { transact } from '../storage/transact.js';
import { USERS } from './access-bindings.js';
import { rowForChange, sameRowForChange, tamperReportsSettled } from './tamper-in-tx.js';

/**
 * Review s13: the rows a change seals are read again inside its transaction, locked, and checked
 * (`rowForChange`); where the change was decided on a row read before, the stored row must be that
 * very row (`sameRowForChange`). A row the caller names that is gone was deleted in SQL: sealing it as
 * deleted would bless the deletion, so it is refused and reported like a forged one.
 */
for (const dialect of DIALECTS) {
  describe(`rows checked for a change (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    const newUser = async () =>
      expectOk(
        await t.vault.users.addUser(CLI_ACTOR, {
          email: `r.${Math.random().toString(36).slice(2, 8)}@example.org`,
          name: 'Row',
          password: 'a long test passphrase 42',
        }),
      ).user;
    const alerts = async () =>
      (
        await t.vault.store.db
          .selectFrom('alerts')
          .select('details')
          .where('kind', '=', 'row.tampered')
          .execute()
      ).length;

    it('issue #17 / review s13: a locked read is checked against the mark as it is now (no read tick)', async () => {
      const user = await newUser();
      const row = await transact(t.vault.deps.db, async (trx) =>
        ok(await readSealedRow(trx, USERS, [user.id], true)),
      );
      expect(row.ok && row.value !== undefined && readTickOf(row.value)).toBe(undefined);
    });

    it('issue #17 / review s13: a row gone from under a change is ROW_TAMPERED, reported; the same row unchanged passes', async () => {
      const user = await newUser();
      const before = await alerts();
      const missing = await transact(t.vault.deps.db, (trx) =>
        rowForChange(t.vault.deps, trx, USERS, ['no-such-user']),
      );
      expect(missing.ok ? 'accepted' : missing.error.code).toBe('ROW_TAMPERED');
      await tamperReportsSettled();
      expect(await alerts()).toBe(before + 1);
      const read = await t.vault.store.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow();
      const same = await transact(t.vault.deps.db, (trx) => sameRowForChange(t.vault.deps, trx, USERS, read));
      expect(same.ok).toBe(true);
    });

    it('issue #17 / review s13: changed by the application meanwhile is CONFLICT; changed in SQL is ROW_TAMPERED', async () => {
      const user = await newUser();
      const read = await t.vault.store.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow();
      expectOk(await t.vault.users.unlock(CLI_ACTOR, user.email));
      const meanwhile = await transact(t.vault.deps.db, (trx) =>
        sameRowForChange(t.vault.deps, trx, USERS, read),
      );
      expect(meanwhile.ok ? 'accepted' : meanwhile.error.code).toBe('CONFLICT');
      const now = await t.vault.store.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow();
      await sql`update users set name = ${'Forged'} where id = ${user.id}`.execute(t.vault.store.db);
      const forged = await transact(t.vault.deps.db, (trx) =>
        sameRowForChange(t.vault.deps, trx, USERS, now),
      );
      expect(forged.ok ? 'accepted' : forged.error.code).toBe('ROW_TAMPERED');
    });
  });
}
