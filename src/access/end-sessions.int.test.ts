import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { tamperReportsSettled } from '../authz/tamper-in-tx.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { parseRowSeals } from '../ledger/row-seal-store.js';

/**
 * Review s13: sessions ended together (a disable, a password change, a lockout, a logout everywhere)
 * were sealed as ended whatever their rows held, so a session forged in SQL and then ended passed
 * `verify`. Every one still ends; a forged one is reported and left unsealed.
 */
for (const dialect of DIALECTS) {
  describe(`ending sessions never seals a forged one (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    it('issue #17 / review s13: a session changed in SQL ends on a disable, unsealed and reported', async () => {
      const email = `s.${Date.now()}@example.org`;
      const { user } = expectOk(
        await t.vault.users.addUser(CLI_ACTOR, {
          email,
          name: 'Ends',
          password: 'a long test passphrase 42',
        }),
      );
      expectOk(await t.vault.auth.login(email, 'a long test passphrase 42'));
      const db = t.vault.store.db;
      const session = await db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', user.id)
        .executeTakeFirstOrThrow();
      // The database administrator's seat: a longer life for the session, in SQL.
      await sql`update sessions set expires_at = ${'2999-01-01T00:00:00.000Z'} where id = ${session.id}`.execute(
        db,
      );
      expectOk(await t.vault.users.disable(CLI_ACTOR, email));
      await tamperReportsSettled();
      const after = await db
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', session.id)
        .executeTakeFirstOrThrow();
      expect(after.ended_at).not.toBeNull();
      const event = await db
        .selectFrom('audit_events')
        .select('row_seals')
        .where('action', '=', 'user.disable')
        .where('target', '=', user.id)
        .executeTakeFirstOrThrow();
      expect(parseRowSeals(event.row_seals).map(([table]) => table)).toEqual(['users']);
      const alerts = await db
        .selectFrom('alerts')
        .select('details')
        .where('kind', '=', 'row.tampered')
        .execute();
      expect(alerts.some((a) => String(a.details).includes('"sessions"'))).toBe(true);
    });
  });
}
