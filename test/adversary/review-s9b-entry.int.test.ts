import { describe, expect, it } from 'vitest';
import { openVault } from '../../src/app/vault.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DbaStore } from '../support/dba.js';
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
    it.fails('S9B-2: an account disabled by another process and put back does not sign in', async () =>
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
  });
}
