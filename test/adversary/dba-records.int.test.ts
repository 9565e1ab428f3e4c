import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DbaStore } from '../support/dba.js';
import { enrollWithDemographics } from '../support/fixtures.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Records and record versions from the database administrator's seat (issue #17, outside review
 * 2026-12-03: they were "replay-bound" only, found by verify but honoured at read time). Each is
 * changed in SQL on the STOPPED store; the server started again on it refuses the record at once over
 * HTTP (ROW_TAMPERED, an audit event of the refusal and an alert naming the table), and verify names
 * the table (21 CFR 11.10(a), 11.10(c), 11.10(e); ASVS 8.2.2, 8.3.1; HIPAA 164.312(c)(1)).
 */
for (const dialect of DIALECTS) {
  describe(`DBA: records and versions changed in SQL are refused when read (${dialect})`, () => {
    it('21 CFR 11.10(a): a locked record unlocked in SQL takes no change and is not shown', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const p = await s.participant('S01');
        expectOk(await s.vault.records.lock(CLI_ACTOR, p.demog, 'Monitored'));
        await s.tamper(async (db) => {
          expect(await db.run('update records set locked = 0 where id = ?', p.demog)).toBe(1);
        });
        const browser = await s.browser(coordinator);
        const changed = await s.call(browser, 'PUT', `/api/v1/records/${p.demog}`, {
          changes: { SEX: 'M' },
          reason: 'Correction',
        });
        await s.expectRefused(changed, 'records');
        await s.expectRefused(await s.call(browser, 'GET', `/api/v1/records/${p.demog}`), 'records');
        await s.expectFound('records');
      }));

    it('21 CFR 11.10(e): a record locked in SQL is refused, never shown as locked', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const p = await s.participant('S01');
        await s.tamper(async (db) => {
          expect(await db.run('update records set locked = 1 where id = ?', p.demog)).toBe(1);
        });
        const browser = await s.browser(coordinator);
        const read = await s.call(browser, 'GET', `/api/v1/records/${p.demog}`);
        await s.expectRefused(read, 'records');
        const unlocked = await s.call(browser, 'POST', `/api/v1/records/${p.demog}/unlock`, {
          reason: 'Reopen',
        });
        await s.expectRefused(unlocked, 'records');
        await s.expectFound('records');
      }));

    it('ASVS 8.2.2, 21 CFR 11.10(d): a record moved in SQL to a participant at another site is shown at neither site', async () =>
      DbaStore.with(dialect, async (s) => {
        const atS01 = await s.person('coordinator', 'S01');
        const moved = await s.participant('S02');
        const { participant: host } = await enrollWithDemographics(s.vault, s.study.id, 'S01');
        await s.tamper(async (db) => {
          expect(
            await db.run('update records set participant_id = ? where id = ?', host.id, moved.rand),
          ).toBe(1);
        });
        const browser = await s.browser(atS01);
        const list = await s.call(browser, 'GET', `/api/v1/participants/${host.id}/records`);
        await s.expectRefused(list, 'records');
        expect(JSON.stringify(list.body)).not.toContain(moved.rand);
        const grid = await s.call(browser, 'GET', `/api/v1/participants/${host.id}/grid`);
        expect(grid.body?.error?.code, JSON.stringify(grid.body)).toBe('ROW_TAMPERED');
        expect(JSON.stringify(grid.body)).not.toContain('K12345');
        const read = await s.call(browser, 'GET', `/api/v1/records/${moved.rand}`);
        await s.expectRefused(read, 'records');
        expect(JSON.stringify(read.body)).not.toContain('K12345');
        await s.expectFound('records');
      }));

    it('21 CFR 11.10(a), HIPAA 164.312(c)(1): a clinical value rewritten in SQL is never shown nor exported', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        await s.tamper(async (db) => {
          const edited = await db.run(
            `update record_versions set clear_values = ? where record_id = ? and version = 1`,
            JSON.stringify({ SEX: 'M' }),
            p.demog,
          );
          expect(edited).toBe(1);
        });
        const read = await s.as(coordinator, 'GET', `/api/v1/records/${p.demog}`);
        await s.expectRefused(read, 'record_versions');
        const made = await s.as(pi, 'POST', `/api/v1/studies/${s.study.id}/exports`, {
          profile: 'deidentified',
        });
        await s.expectRefused(made, 'record_versions');
        const preview = await s.as(pi, 'POST', `/api/v1/studies/${s.study.id}/export-previews`, {
          profile: 'deidentified',
        });
        expect(preview.body?.error?.code, JSON.stringify(preview.body)).toBe('ROW_TAMPERED');
        await s.expectFound('record_versions');
      }));

    it("21 CFR 11.10(e): a version's actor rewritten in SQL is never shown in the record's history", async () =>
      DbaStore.with(dialect, async (s) => {
        const monitor = await s.person('monitor');
        const p = await s.participant('S01');
        await s.tamper(async (db) => {
          const edited = await db.run(
            `update record_versions set actor = 'user:someone-else' where record_id = ?`,
            p.demog,
          );
          expect(edited).toBe(1);
        });
        const history = await s.as(monitor, 'GET', `/api/v1/records/${p.demog}/history`);
        await s.expectRefused(history, 'record_versions');
        expect(JSON.stringify(history.body)).not.toContain('someone-else');
        await s.expectFound('record_versions');
      }));

    it('21 CFR 11.10(e): an audit event whose actor is rewritten in SQL is never shown in an audit view', async () =>
      DbaStore.with(dialect, async (s) => {
        const monitor = await s.person('monitor');
        const p = await s.participant('S01');
        const locked = expectOk(await s.vault.records.lock(CLI_ACTOR, p.demog, 'Monitored'));
        expect(locked.locked).toBe(true);
        await s.tamper(async (db) => {
          const edited = await db.run(
            `update audit_events set actor = 'user:someone-else' where record_id = ? and action = 'record.lock'`,
            p.demog,
          );
          expect(edited).toBe(1);
        });
        const browser = await s.browser(monitor);
        for (const url of [
          `/api/v1/records/${p.demog}/audit`,
          `/api/v1/participants/${p.id}/audit`,
          `/api/v1/studies/${s.study.id}/audit`,
        ]) {
          const shown = await s.call(browser, 'GET', url);
          expect(shown.body?.error?.code, url).toBe('ROW_TAMPERED');
          expect(JSON.stringify(shown.body)).not.toContain('someone-else');
        }
        await s.expectRefused(
          await s.call(browser, 'GET', `/api/v1/studies/${s.study.id}/audit`),
          'audit_events',
        );
        await s.expectFound('audit_events');
      }));
  });
}
