import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DbaStore } from '../support/dba.js';
import { seedStudy } from '../support/fixtures.js';
import { DIALECTS } from '../support/stores.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Review s13 (H2, fixed): `setStatus` (studies/service.ts) checks the study row's MAC before its
 * transaction (`knownStudy`), then decides on the status it reads again INSIDE the transaction
 * WITHOUT the MAC (`repo.findStudy(trx, ...)`), and the event reseals the row. A database
 * administrator who sets a closed study's status to `draft` in SQL while a status change is in flight
 * (after the checked read) reopens the study to `live` with a valid MAC: no ROW_TAMPERED, no alert,
 * nothing for verify to find. (The same unchecked read decides addSite, editSite and editStudy.)
 * Fixed: the row is read again inside the transaction, locked, and checked before it is changed and
 * sealed (`rowForChange`, authz/tamper-in-tx.ts).
 */
for (const dialect of DIALECTS) {
  describe(`issue #17 / review s13: a closed study is never reopened through an in-flight status change (${dialect})`, () => {
    it('no interleaving leaves the closed study live and sealed', async () =>
      DbaStore.with(dialect, async (s) => {
        const sysadmin = await s.person('system_admin');
        const browser = await s.browser(sysadmin);
        const won: number[] = [];
        for (let delay = 0; delay < 24 && won.length === 0; delay++) {
          const study = await seedStudy(s.vault, `TV-REOPEN-${delay}`);
          expectOk(await s.vault.studies.setStatus(CLI_ACTOR, study.id, 'live', 'Approved'));
          expectOk(await s.vault.studies.setStatus(CLI_ACTOR, study.id, 'closed', 'Ended'));
          const moving = s.call(browser, 'POST', `/api/v1/studies/${study.protocolId}/status`, {
            status: 'live',
            reason: 'Reopen it please',
          });
          for (let i = 0; i < delay; i++) await tick();
          // The database administrator's seat, under the running server.
          await s.sql(async (db) => {
            await db.run("update studies set status = 'draft' where id = ?", study.id);
          });
          const moved = await moving;
          if (moved.status !== 200) {
            // Put the row back as sealed (closed) for the next round.
            await s.sql(async (db) => {
              await db.run("update studies set status = 'closed' where id = ?", study.id);
            });
            continue;
          }
          // Served again through the checked read: live, and its MAC holds.
          const got = expectOk(await s.vault.studies.getStudy(CLI_ACTOR, study.id));
          if (got.status === 'live') won.push(delay);
        }
        const findings = (await s.findings()).filter((f) => f.table === 'studies');
        // The change checks the row inside its transaction: never live, nothing left for verify.
        expect({ won, findings: findings.length }).toEqual({ won: [], findings: 0 });
      }));
  });
}
