import { describe, expect, it } from 'vitest';
import { tamperReportsSettled } from '../../src/authz/tamper-in-tx.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { TEST_PASSWORD } from '../support/access.js';
import { DbaStore } from '../support/dba.js';
import { codeAt } from '../support/http-auth.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s13 (H3): `refuseClosed` (studies/known.ts) answered "open" when the study row was not there
 * at all. A closed study whose `studies` row is deleted in SQL under the running server took record
 * changes, locks, signatures and status changes again (SQLite; on PostgreSQL a foreign key failed as an
 * unaudited 500). Now the missing row is tampering: ROW_TAMPERED, reported, nothing written.
 */
for (const dialect of DIALECTS) {
  describe(`issue #17: a closed study's row deleted in SQL (${dialect})`, () => {
    it('a closed study whose row is deleted in SQL takes no new record (ROW_TAMPERED, alerted)', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const p = await s.participant('S01');
        expectOk(await s.vault.studies.setStatus(CLI_ACTOR, s.study.id, 'closed', 'Ended'));
        const browser = await s.browser(coordinator);
        const create = () =>
          s.call(browser, 'POST', '/api/v1/records', {
            participantId: p.id,
            form: 'VITALS',
            visit: 'BASELINE',
            values: { SYSBP: 120, DIABP: 80 },
            reason: 'entry',
          });
        const closed = await create();
        expect(closed.body?.error?.code, JSON.stringify(closed.body)).toBe('STUDY_CLOSED');
        // The database administrator's seat, under the running server: the study row is deleted.
        await s.sql(async (db) => {
          await db.run('delete from studies where id = ?', s.study.id);
        });
        const records = async () =>
          (
            await s.vault.store.db
              .selectFrom('records')
              .select('id')
              .where('study_id', '=', s.study.id)
              .execute()
          ).length;
        const before = await records();
        const made = await create();
        await tamperReportsSettled();
        expect(made.body?.error?.code, JSON.stringify(made.body)).toBe('ROW_TAMPERED');
        expect(made.body?.error?.details?.table).toBe('studies');
        expect(await records()).toBe(before);
        // Reported: an alert for the system administrators names the table.
        const alerts = await s.vault.store.db
          .selectFrom('alerts')
          .select('details')
          .where('kind', '=', 'row.tampered')
          .execute();
        expect(alerts.some((a) => String(a.details).includes('"studies"'))).toBe(true);
      }));

    it('a closed study whose row is deleted in SQL takes no participant status change', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const p = await s.participant('S01');
        expectOk(await s.vault.studies.setStatus(CLI_ACTOR, s.study.id, 'closed', 'Ended'));
        const browser = await s.browser(coordinator);
        await s.sql(async (db) => {
          await db.run('delete from studies where id = ?', s.study.id);
        });
        const changed = await s.call(browser, 'POST', `/api/v1/participants/${p.id}/status`, {
          status: 'withdrawn',
          reason: 'after close',
        });
        await tamperReportsSettled();
        expect(changed.body?.error?.code, JSON.stringify(changed.body)).toBe('ROW_TAMPERED');
      }));

    it('a closed study whose row is deleted in SQL takes no record change, lock nor signature', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const dm = await s.person('data_manager');
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        const vitals = expectOk(
          await s.vault.records.create(CLI_ACTOR, {
            participantId: p.id,
            form: 'VITALS',
            visit: 'BASELINE',
            values: { SYSBP: 120, DIABP: 80 },
          }),
        );
        expectOk(await s.vault.studies.setStatus(CLI_ACTOR, s.study.id, 'closed', 'Ended'));
        const cb = await s.browser(coordinator);
        const db = await s.browser(dm);
        const pb = await s.browser(pi);
        await s.sql(async (raw) => {
          await raw.run('delete from studies where id = ?', s.study.id);
        });
        const update = await s.call(cb, 'PUT', `/api/v1/records/${vitals.id}`, {
          changes: { SYSBP: 130 },
          reason: 'after close',
        });
        const lock = await s.call(db, 'POST', `/api/v1/records/${p.rand}/lock`, { reason: 'after close' });
        s.clock.advance(1);
        const sign = await s.call(pb, 'POST', `/api/v1/records/${p.demog}/signatures`, {
          meaning: 'approved',
          password: TEST_PASSWORD,
          totp: await codeAt(pi.secret, s.clock),
        });
        await tamperReportsSettled();
        const codes = [update, lock, sign].map((a) => a.body?.error?.code);
        expect(codes).toEqual(['ROW_TAMPERED', 'ROW_TAMPERED', 'ROW_TAMPERED']);
      }));
  });
}
