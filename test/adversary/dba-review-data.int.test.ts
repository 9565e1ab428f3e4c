import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DbaStore } from '../support/dba.js';
import { runBuiltCli } from '../support/dba-cli.js';
import { DIALECTS } from '../support/stores.js';

/**
 * What reviewers rely on, from the database administrator's seat (issue #17): break-glass sessions
 * awaiting their second-person review, the open alerts, the blind-index lookup tokens. Emptied in SQL
 * on the stopped store, the review list and the alert count show 0 and lookups find nobody; `verify`
 * (the vault's and the built `trialvault verify`, a separate process) names the table
 * (21 CFR 11.10(e); HIPAA 164.308(a)(1)(ii)(D): information system activity review; 164.312(b)).
 */
for (const dialect of DIALECTS) {
  describe(`DBA: review data emptied in SQL is found by verify (${dialect})`, () => {
    /** A break-glass session of the PI: one break_glass row and one alert. */
    async function brokenGlass(s: DbaStore): Promise<void> {
      const pi = await s.person('principal_investigator', 'S01');
      const actor: Actor = { kind: 'user', id: pi.userId, mfa: true };
      expectOk(
        await s.vault.breakGlass.start(actor, {
          study: s.study.id,
          justification: 'Unconscious patient in the emergency department',
        }),
      );
    }

    it('HIPAA 164.308(a)(1)(ii)(D) / 21 CFR 11.10(e): break-glass rows deleted in SQL are found by verify and by the built trialvault verify', async () =>
      DbaStore.with(dialect, async (s) => {
        await brokenGlass(s);
        await s.tamper(async (db) => {
          expect(await db.run('delete from break_glass')).toBe(1);
        });
        await s.expectFound('break_glass');
        await s.stop();
        const ran = await runBuiltCli(s.place, 'verify', '--json');
        expect(ran.code, ran.err).toBe(1);
        expect(ran.out).toMatch(/"table": "break_glass"/);
      }));

    it('HIPAA 164.312(b) / 21 CFR 11.10(e): alerts deleted in SQL are found by verify', async () =>
      DbaStore.with(dialect, async (s) => {
        await brokenGlass(s);
        await s.tamper(async (db) => {
          expect(await db.run('delete from alerts')).toBeGreaterThan(0);
        });
        await s.expectFound('alerts');
      }));

    it('21 CFR 11.10(e) / ASVS 8.2.2: lookup tokens deleted in SQL are found by verify and by the built trialvault verify', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        await s.tamper(async (db) => {
          expect(
            await db.run('delete from participant_lookup where participant_id = ?', p.id),
          ).toBeGreaterThan(0);
        });
        const found = await s.as(pi, 'POST', `/api/v1/studies/${s.study.id}/participants/lookup`, {
          kind: 'mrn',
          value: 'MRN-7719-QX',
        });
        // The lookup finds nobody: that is the attack; verify is what finds it.
        expect(found.status).toBe(200);
        await s.expectFound('participant_lookup');
        await s.stop();
        const ran = await runBuiltCli(s.place, 'verify', '--json');
        expect(ran.code, ran.err).toBe(1);
        expect(ran.out).toMatch(/"table": "participant_lookup"/);
      }));
  });
}
