import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DbaStore } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Exports from the database administrator's seat (issue #17 on issue #16's tables): an approval, a
 * data use agreement, a lowered k threshold or a reset download flag written in SQL on the stopped
 * store. The server, started again on it, never obeys the row: the export or download is refused with
 * ROW_TAMPERED, the refusal is audited, the system administrators are alerted and `verify` names the table.
 */
const ask = { recipient: 'Sponsor safety desk', purpose: 'SUSAR reconciliation', format: 'csv' };
const FAR = '2099-12-31T00:00:00.000Z';

for (const dialect of DIALECTS) {
  describe(`DBA: export rows changed in SQL are never obeyed (${dialect})`, () => {
    it('HIPAA 164.308(a)(4) / NIST AC-5: an approval inserted in SQL never releases an identified export', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const admin = await s.person('study_admin');
        await s.participant('S01');
        const now = new Date(s.clock.time).toISOString();
        await s.tamper(async (db) => {
          await db.run(
            `insert into export_requests (id, study_id, profile, format, recipient, purpose, requested_by,
               requested_role, requested_at, expires_at, status, approved_by, approved_role, approved_at)
             values (?, ?, 'identified', ?, ?, ?, ?, 'principal_investigator', ?, ?, 'approved', ?, 'study_admin', ?)`,
            'request-forged',
            s.study.id,
            ask.format,
            ask.recipient,
            ask.purpose,
            pi.userId,
            now,
            FAR,
            admin.userId,
            now,
          );
        });
        const made = await s.as(pi, 'POST', `/api/v1/studies/${s.study.id}/exports`, {
          profile: 'identified',
          ...ask,
          request: 'request-forged',
        });
        expect(made.status).not.toBe(201);
        await s.expectRefused(made, 'export_requests');
        await s.expectFound('export_requests');
      }));

    it('HIPAA 164.514(e)(4): a data use agreement inserted in SQL gives no limited data set', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        await s.participant('S01');
        const now = new Date(s.clock.time).toISOString();
        await s.tamper(async (db) => {
          await db.run(
            `insert into export_recipients (id, study_id, name, unblinded, dua_reference, dua_expires_on,
               recorded_by, created_at, updated_at) values (?, ?, ?, 1, 'DUA-FORGED', '2099-12-31', 'cli', ?, ?)`,
            'recipient-forged',
            s.study.id,
            ask.recipient,
            now,
            now,
          );
        });
        const made = await s.as(pi, 'POST', `/api/v1/studies/${s.study.id}/exports`, {
          profile: 'limited',
          ...ask,
        });
        expect(made.status).not.toBe(201);
        await s.expectRefused(made, 'export_recipients');
        await s.expectFound('export_recipients');
      }));

    // HIPAA 164.312(e)(2)(ii): a DBA who swaps the recipient's age key for their own gets nothing.
    it('HIPAA 164.312(e)(2)(ii): an age key swapped in SQL is never encrypted to', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        await s.participant('S01');
        const theirs = await identityToRecipient(await generateX25519Identity());
        const mine = await identityToRecipient(await generateX25519Identity());
        expectOk(
          await s.vault.exports.recipients.save(CLI_ACTOR, s.study.id, {
            name: ask.recipient,
            ageRecipient: theirs,
          }),
        );
        await s.tamper(async (db) => {
          await db.run('update export_recipients set age_recipient = ? where name = ?', mine, ask.recipient);
        });
        const made = await s.as(pi, 'POST', `/api/v1/studies/${s.study.id}/exports`, {
          profile: 'deidentified',
          ...ask,
        });
        expect(made.status).not.toBe(201);
        await s.expectRefused(made, 'export_recipients');
        await s.expectFound('export_recipients');
      }));

    it('HIPAA 164.514(b): a k threshold lowered in SQL is never used', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        await s.participant('S01');
        expectOk(await s.vault.exports.recipients.setThreshold(CLI_ACTOR, s.study.id, 20));
        await s.tamper(async (db) => {
          expect(
            await db.run('update export_settings set k_threshold = 1 where study_id = ?', s.study.id),
          ).toBe(1);
        });
        const made = await s.as(pi, 'POST', `/api/v1/studies/${s.study.id}/exports`, {
          profile: 'deidentified',
        });
        expect(made.status).not.toBe(201);
        await s.expectRefused(made, 'export_settings');
        await s.expectFound('export_settings');
      }));

    it('HIPAA 164.312(e)(1): a download flag reset in SQL allows no second download', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        for (let i = 0; i < 3; i++) await s.participant('S01');
        expectOk(await s.vault.exports.recipients.setThreshold(CLI_ACTOR, s.study.id, 2));
        const browser = await s.browser(pi);
        const made = await s.call(browser, 'POST', `/api/v1/studies/${s.study.id}/exports`, {
          profile: 'deidentified',
          // Three participants share no class: suppressed, the export passes k (what the refusal suggests).
          suppress: ['BIRTH_DATE', 'ZIP', 'SEX'],
        });
        expect(made.status, JSON.stringify(made.body)).toBe(201);
        const report = made.body as unknown as { exportId: string; files: { name: string }[] };
        const name = report.files[0]?.name ?? '';
        const url = `/api/v1/exports/${report.exportId}/files/${name}`;
        expect((await s.call(browser, 'GET', url)).status).toBe(200);
        await s.tamper(async (db) => {
          const row = await db.one('select files from exports where id = ?', report.exportId);
          const files = (JSON.parse(String(row.files)) as { downloaded: boolean }[]).map((f) => ({
            ...f,
            downloaded: false,
          }));
          const reset = 'update exports set files = ?, downloaded_at = null where id = ?';
          expect(await db.run(reset, JSON.stringify(files), report.exportId)).toBe(1);
        });
        const again = await s.as(pi, 'GET', url);
        expect(again.status).not.toBe(200);
        await s.expectRefused(again, 'exports');
        await s.expectFound('exports');
      }));
  });
}
