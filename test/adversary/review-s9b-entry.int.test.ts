import { describe, expect, it } from 'vitest';
import { openVault } from '../../src/app/vault.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DeviceClient } from '../../src/devices/device-client.js';
import { TEST_PASSWORD, userWithRole } from '../support/access.js';
import { DbaStore } from '../support/dba.js';
import { codeAt } from '../support/http-auth.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s9b (entry points that use security rows before following the ledger's tail) from the
 * database administrator's seat, with a second process (a CLI command) on the same store. Each
 * `it.fails` is an open finding: the test states the correct behaviour and fails today.
 */
for (const dialect of DIALECTS) {
  describe(`review s9b: entry points and the ledger's tail (${dialect})`, () => {
    // FINDING S9B-2 (sign-in does not follow the tail, and launders the row it honours). Only session
    // and token authentication and device uploads call followLedger; signIn (src/access/sign-in.ts,
    // trustRow on the users row) does not. An account disabled by a CLI command while the server runs
    // is put back in SQL to the row the server last knew (status active, its older valid MAC, row_seq
    // equal to the server's mark, not below): the password sign-in honours it, and its success updates
    // the row and seals it under a new auth.login event (seals [USERS, [id]]), so the restored row
    // now carries the newest seal: the following that happens at the next request raises the mark to
    // that new event, the account is active again, and neither verify nor the next start can see the
    // tamper (the latest seal is of the restored content).
    // Correct: refused (ROW_TAMPERED or INVALID): every entry point that reads a security row (sign-in,
    // second factor, passkeys, recovery codes, device enrolment, account admin tokens) follows the
    // ledger first, and no write seals a row whose content is older than the ledger's latest seal.
    it('S9B-2: an account disabled by another process and put back does not sign in', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        const seen = await s.sql((db) => db.all('select * from users where id = ?', pi.userId));
        const cli = expectOk(
          await openVault(
            s.place.location,
            { keyDir: s.place.keyDir, passphrase: undefined },
            { clock: s.clock },
          ),
        );
        try {
          expectOk(await cli.users.disable(CLI_ACTOR, pi.email));
        } finally {
          await cli.close();
        }
        await s.sql((db) => db.restoreRows('users', seen));
        const { browser, refusal } = await s.signIn(pi);
        const read =
          browser === undefined ? refusal : await s.call(browser, 'GET', `/api/v1/participants/${p.id}`);
        expect(read?.status, JSON.stringify(read?.body)).not.toBe(200);
      }));
    // FINDING S9B-3 (second factor does not follow the tail). The TOTP / recovery-code step
    // (AuthService.verifyMfa, src/access/auth-service.ts) takes the pre-MFA session through
    // `session()`, which unlike `authenticate()` never calls followLedger, and the password step before
    // it does not either (S9B-2). A recovery code spent on a second server (another vault handle on
    // the same store) is put back unused in SQL: this server's mark for it is the startup seed (the
    // unused row_seq), so the same code completes a second sign-in here.
    // Correct: refused (ROW_TAMPERED): SessionService.session (or signIn and verifyMfa) follows the
    // ledger before reading a row, so a code spent by any process stays spent.
    it('S9B-3: a recovery code spent on another server and put back does not sign in again', async () =>
      DbaStore.with(dialect, async (s) => {
        const { email, user } = await userWithRole(s.vault, 'principal_investigator', s.study.id);
        const first = expectOk(await s.vault.auth.login(email, TEST_PASSWORD));
        const { secret } = expectOk(
          await s.vault.factors.beginTotp(first.token, { password: TEST_PASSWORD }),
        );
        s.clock.advance(1);
        const { recoveryCodes } = expectOk(
          await s.vault.factors.confirmTotp(first.token, await codeAt(secret, s.clock)),
        );
        const code = recoveryCodes[0] ?? '';
        // A restart, as after any deploy: the marks are seeded with the unused codes' row_seq.
        await s.stop();
        await s.start();
        const unused = await s.sql((db) => db.all('select * from recovery_codes where user_id = ?', user.id));
        const other = expectOk(
          await openVault(
            s.place.location,
            { keyDir: s.place.keyDir, passphrase: undefined },
            { clock: s.clock },
          ),
        );
        try {
          const pre = expectOk(await other.auth.login(email, TEST_PASSWORD));
          expectOk(await other.auth.verifyMfa(pre.token, code));
        } finally {
          await other.close();
        }
        await s.sql((db) => db.restoreRows('recovery_codes', unused, ['user_id', 'code_hash']));
        const again = await s.signIn({ email, secret }, { code });
        expect(again.browser, JSON.stringify(again.refusal?.body)).toBeUndefined();
      }));
    // FINDING S9B-4 (device enrolment does not follow the tail, and re-seals the row it honours).
    // DeviceService.enroll (src/devices/device-service.ts, trustDevice on the pending row) is reached
    // without a session or token and never calls followLedger. A device enrolled on a second server
    // (its code spent, its key bound) is put back pending in SQL, with the same code: this server
    // still holds the mark of the pending row (seen at registration), so the code enrols a second
    // key, the attacker's, and the enrolment seals the device row under a new event (the real
    // device's key is gone, verify and the next start see a row that matches its latest seal).
    // Correct: refused (UNAUTHENTICATED or ROW_TAMPERED): enrolment follows the ledger first.
    it('S9B-4: a code spent on another server and put back pending does not enrol a second key', async () =>
      DbaStore.with(dialect, async (s) => {
        const p = await s.participant('S01');
        const { device, enrollmentCode } = expectOk(
          await s.vault.devices.register(CLI_ACTOR, p.id, {
            model: 'Test watch',
            serial: 'SN-S9B4',
            firmware: '2.1.0',
            metrics: ['heart_rate'],
          }),
        );
        const pending = await s.sql((db) => db.all('select * from devices where id = ?', device.id));
        const other = expectOk(
          await openVault(
            s.place.location,
            { keyDir: s.place.keyDir, passphrase: undefined },
            { clock: s.clock },
          ),
        );
        try {
          const key = DeviceClient.generateKey('EdDSA');
          expectOk(
            await other.devices.enroll({
              code: enrollmentCode,
              alg: 'EdDSA',
              publicKey: DeviceClient.publicKey('EdDSA', key),
            }),
          );
        } finally {
          await other.close();
        }
        await s.sql((db) => db.restoreRows('devices', pending));
        const mine = DeviceClient.generateKey('EdDSA');
        const enrol = await s.app.inject({
          method: 'POST',
          url: '/api/v1/devices/enroll',
          payload: { code: enrollmentCode, alg: 'EdDSA', publicKey: DeviceClient.publicKey('EdDSA', mine) },
        });
        expect(enrol.statusCode, enrol.body).toBeGreaterThanOrEqual(400);
      }));
  });
}
