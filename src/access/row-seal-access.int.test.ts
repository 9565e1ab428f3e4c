import { generate } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, userWithRole } from '../../test/support/access.js';
import { TestClock } from '../../test/support/clock.js';
import { seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { openVault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk, type Result } from '../core/result.js';
import { rowSealCheck } from '../ledger/row-seal-check.js';
import { allBindings } from '../ledger/table-binding.js';

const code = (r: Result<unknown>) => (r.ok ? 'ok' : r.error.code);

for (const dialect of DIALECTS) {
  describe(`row-sealed access tables (${dialect})`, () => {
    let t: TestVault;
    let clock: TestClock;
    beforeEach(async () => {
      clock = new TestClock();
      t = await freshVault(dialect, { clock });
    });
    afterEach(async () => t.cleanup());

    async function enrolled() {
      const study = await seedStudy(t.vault);
      const { email, user } = await userWithRole(t.vault, 'coordinator', study.id, 'S01');
      const signIn = expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      const { secret } = expectOk(await t.vault.factors.beginTotp(signIn.token, {}));
      const otp = await generate({ secret, epoch: Math.floor(clock.time / 1000) });
      const done = expectOk(await t.vault.factors.confirmTotp(signIn.token, otp));
      return { study, email, user, token: done.token ?? '', recoveryCodes: done.recoveryCodes };
    }

    async function tamperEvents() {
      const db = t.vault.store.db;
      const events = await db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'ledger.row-tampered')
        .execute();
      const alerts = await db.selectFrom('alerts').selectAll().where('kind', '=', 'row.tampered').execute();
      return {
        events: events.length,
        alerts: alerts.length,
        tables: events.map((e) => JSON.parse(e.details).table),
      };
    }

    it('issue #17: the legitimate flows keep every row sealed: verify finds nothing', async () => {
      const { token } = await enrolled();
      expectOk(await t.vault.auth.authenticate(token));
      clock.advance(2);
      expectOk(await t.vault.auth.authenticate(token));
      expectOk(await t.vault.auth.logout(token));
      const findings: unknown[] = [];
      const check = rowSealCheck(t.vault.keyring, allBindings)();
      for (const e of await t.vault.store.db.selectFrom('audit_events').selectAll().orderBy('seq').execute())
        check.collect(e);
      await check.finish({ db: t.vault.store.db, find: (f) => findings.push(f) });
      expect(findings).toEqual([]);
    });

    it('issue #17: a session un-ended or moved to another user in SQL is refused with ROW_TAMPERED, audited and alerted', async () => {
      const { token, user } = await enrolled();
      expectOk(await t.vault.auth.authenticate(token));
      const admin = await userWithRole(t.vault, 'system_admin', undefined);
      await t.vault.store.db
        .updateTable('sessions')
        .set({ user_id: admin.user.id })
        .where('user_id', '=', user.id)
        .execute();
      expect(code(await t.vault.auth.authenticate(token))).toBe('ROW_TAMPERED');
      expect(code(await t.vault.auth.authenticate(token))).toBe('ROW_TAMPERED');
      const seen = await tamperEvents();
      expect(seen).toMatchObject({ events: 1, alerts: 1, tables: ['sessions'] });
      // The verify check names the table.
      const findings: { table: string; kind: string }[] = [];
      const check = rowSealCheck(t.vault.keyring, allBindings)();
      for (const e of await t.vault.store.db.selectFrom('audit_events').selectAll().orderBy('seq').execute())
        check.collect(e);
      await check.finish({ db: t.vault.store.db, find: (f) => findings.push(f) });
      expect(findings.map((f) => [f.table, f.kind])).toContainEqual(['sessions', 'modified']);
    });

    it('issue #17: a user row changed in SQL (second factor off) refuses sign-in with ROW_TAMPERED', async () => {
      const { email, user } = await enrolled();
      await t.vault.store.db
        .updateTable('users')
        .set({ totp_enabled: 0 })
        .where('id', '=', user.id)
        .execute();
      expect(code(await t.vault.auth.login(email, TEST_PASSWORD))).toBe('ROW_TAMPERED');
      expect((await tamperEvents()).tables).toEqual(['users']);
    });

    it('issue #17: a recovery code inserted in SQL is refused with ROW_TAMPERED and alerted', async () => {
      const { email, user } = await enrolled();
      const { secretHash } = await import('./secrets.js');
      await t.vault.store.db
        .insertInto('recovery_codes')
        .values({ user_id: user.id, code_hash: secretHash('forged-code-1234'), used_at: null })
        .execute();
      const signIn = expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      expect(code(await t.vault.auth.verifyMfa(signIn.token, 'forged-code-1234'))).toBe('ROW_TAMPERED');
      const seen = await tamperEvents();
      expect(seen).toMatchObject({ events: 1, alerts: 1, tables: ['recovery_codes'] });
    });

    it('issue #17: a passkey inserted in SQL carrying a key of the attacker is refused with ROW_TAMPERED', async () => {
      const { token, user } = await enrolled();
      await t.vault.store.db
        .insertInto('passkeys')
        .values({
          id: 'forged-credential',
          user_id: user.id,
          name: 'attacker key',
          public_key: Buffer.from('not a real cose key'),
          counter: 0,
          transports: '[]',
          rp_id: 'trialvault.example',
          created_at: new Date().toISOString(),
          last_used_at: null,
        })
        .execute();
      expect(code(await t.vault.passkeys.list(token))).toBe('ROW_TAMPERED');
      const rp = { rpId: 'trialvault.example', origin: 'https://trialvault.example' };
      expect(code(await t.vault.passkeys.challenge(token, rp))).toBe('ROW_TAMPERED');
      expect((await tamperEvents()).tables).toEqual(['passkeys']);
    });

    it('issue #17: an API token un-revoked in SQL is refused; restored with its older valid MAC, it is distrusted at startup', async () => {
      const study = await seedStudy(t.vault);
      const monitor = await userWithRole(t.vault, 'monitor', study.id, 'S01');
      const { id, token } = expectOk(
        await t.vault.tokens.create(CLI_ACTOR, {
          email: monitor.email,
          study: study.id,
          scopes: ['audit.read'],
        }),
      );
      expectOk(await t.vault.tokens.authenticate(token));
      const db = t.vault.store.db;
      const before = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expectOk(await t.vault.tokens.revoke(CLI_ACTOR, id));
      await db.updateTable('api_tokens').set({ revoked_at: null }).where('id', '=', id).execute();
      expect(code(await t.vault.tokens.authenticate(token))).toBe('ROW_TAMPERED');
      // The whole older row, its valid MAC included, restored: the MAC holds, the ledger seal does not.
      await db.deleteFrom('api_tokens').where('id', '=', id).execute();
      await db
        .insertInto('api_tokens')
        .values(before as never)
        .execute();
      const restarted = expectOk(await openVault(t.location, { keyDir: t.keyDir, passphrase: undefined }));
      try {
        expect(code(await restarted.tokens.authenticate(token))).toBe('ROW_TAMPERED');
        const startup = await db
          .selectFrom('alerts')
          .selectAll()
          .where('kind', '=', 'row.tampered')
          .execute();
        expect(startup.some((a) => JSON.parse(a.details).at === 'startup')).toBe(true);
      } finally {
        await restarted.close();
      }
    });
  });
}
