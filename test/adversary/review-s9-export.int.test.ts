import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { TEST_PASSWORD } from '../support/access.js';
import type { Answer } from '../support/adversary.js';
import { DbaStore, type Person, TAMPERED } from '../support/dba.js';
import { codeAt } from '../support/http-auth.js';
import { DIALECTS } from '../support/stores.js';

const ask = { recipient: 'Sponsor safety desk', purpose: 'SUSAR reconciliation', format: 'csv' };

/**
 * Review s9: exports made quietly wrong in SQL (export/source.ts, export/repo.ts) while exports still
 * succeed. An export must be complete and true to the ledger (R17-4, R17-5): each `it.fails` below is
 * an open finding, its comment the correct behaviour; it fails today because the preview answers 200
 * with the wrong rows.
 * Fixed the same session, now plain `it`: S9-1..S9-7 and S9-1b (marks seeded from the
 * ledger at every start, row-seal-startup.ts; control rows' marks apart from data rows', row-trust.ts;
 * marks follow the ledger's tail, ledger-tail.ts).
 */
const preview = (s: DbaStore, pi: Person, suppress: string[] = []): Promise<Answer> =>
  s.as(pi, 'POST', `/api/v1/studies/${s.study.id}/export-previews`, { profile: 'deidentified', suppress });

type Row = { subject: string; form: string; values: Record<string, unknown> };
const rowsOf = (a: Answer): Row[] => (a.body as { rows?: Row[] } | null)?.rows ?? [];

/** Six alike participants at S01: enough for the study's k = 5 on a de-identified preview. */
async function six(s: DbaStore) {
  const ps = [];
  for (let i = 0; i < 6; i++) ps.push(await s.participant('S01'));
  return ps;
}

for (const dialect of DIALECTS) {
  describe(`review s9: exports made quietly wrong in SQL (${dialect})`, () => {
    // FINDING S9-3 (participant rows unchecked by the export). participantPage (export/repo.ts) reads
    // participants joined with sites and filters `status != 'erased'` in SQL; source.ts never passes
    // those rows through untrustedRow (PARTICIPANTS is row-sealed and checked on every other read). A
    // participant whose status is set to 'erased', or whose study_id is changed, quietly leaves every
    // export; a changed site_id or subject_id goes out as the export's site or subject. Correct:
    // refused (ROW_TAMPERED, event and alert): select the participant rows whole (erased ones too),
    // check them with untrustedRow, then skip the erased ones.
    it('S9-3: a participant set to erased in SQL is not silently left out of an export', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const ps = await six(s);
        const honest = await preview(s, pi);
        expect(honest.status, JSON.stringify(honest.body)).toBe(200);
        await s.sql((db) => db.run(`update participants set status = 'erased' where id = ?`, ps[0]?.id));
        const after = await preview(s, pi);
        // Today: 200 without the participant .
        expect(after.status, 'exported without the participant').not.toBe(200);
        expect(after.body?.error?.code).toBe(TAMPERED);
      }));

    it('S9-3: a participant moved to another site in SQL is not exported under that site', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const ps = await six(s);
        expectOk(
          await s.vault.exports.recipients.save(CLI_ACTOR, s.study.id, {
            name: 'Registry',
            duaReference: 'DUA-1',
          }),
        );
        const s02 = await s.siteId('S02');
        await s.sql((db) => db.run('update participants set site_id = ? where id = ?', s02, ps[0]?.id));
        const after = await s.as(pi, 'POST', `/api/v1/studies/${s.study.id}/export-previews`, {
          profile: 'limited',
          recipient: 'Registry',
          purpose: 'Registry analysis',
          suppress: ['RAND_DATE', 'BIRTH_DATE', 'ZIP'],
        });
        const sites = (after.body as { rows?: { site: string }[] } | null)?.rows?.map((r) => r.site) ?? [];
        // Today: 200 and the moved participant's rows carry S02.
        expect(after.status === 200 && sites.includes('S02'), JSON.stringify(after.body).slice(0, 300)).toBe(
          false,
        );
        expect(after.body?.error?.code).toBe(TAMPERED);
      }));

    // FINDING S9-4 (the completeness check trusts unverified audit rows). createdRecordIds
    // (export/repo.ts) counts successful record.create events straight from audit_events, without
    // their leaf MACs; the running server never re-checks them. A record deleted together with its
    // versions, and its creation event's outcome (or participant_id, or action) edited, is quietly
    // missing from the export. Correct: refused; the ids come from events whose leaf MACs hold (or
    // the event rows read are checked, refusing a bad one as ROW_TAMPERED on audit_events).
    it('S9-4: a record deleted in SQL with its record.create event marked failed is not silently left out', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const ps = await six(s);
        // RAND_DATE suppressed: the participant left without RAND must not fall under k on its own.
        const honest = await preview(s, pi, ['RAND_DATE']);
        expect(honest.status, JSON.stringify(honest.body)).toBe(200);
        const target = ps[0]?.rand;
        await s.sql(async (db) => {
          await db.run('delete from record_versions where record_id = ?', target);
          expect(await db.run('delete from records where id = ?', target)).toBe(1);
          await db.run(
            `update audit_events set outcome = 'failure' where action = 'record.create' and record_id = ?`,
            target,
          );
        });
        const after = await preview(s, pi, ['RAND_DATE']);
        // Today: 200 without the record (the row counts include canaries, which vary by export).
        expect(after.status, 'exported without the record').not.toBe(200);
        expect(after.body?.error?.code).toBe(TAMPERED);
      }));

    // FINDING S9-5 (S9-1 on data rows). After a restart no records row has a mark until it is read
    // again; the startup projection ran before the change. An older records row (its older version
    // number, its older `locked`, valid MAC) put back then is honoured: the export carries the
    // superseded version (version row v1 still holds its MAC) and a locked record becomes writable.
    // Correct: refused (ROW_TAMPERED): seed marks from the ledger at startup (the latest seal's
    // row_seq of every checked row) or check the latest ledger seal on a row's first read.
    it('S9-5: an older records row put back after a restart does not export the older version', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const ps = await six(s);
        const demog = ps[0]?.demog ?? '';
        const v1 = await s.sql((db) => db.all('select * from records where id = ?', demog));
        expectOk(
          await s.vault.records.update(CLI_ACTOR, demog, { changes: { SEX: 'M' }, reason: 'Correction' }),
        );
        await s.stop();
        await s.start();
        await s.sql((db) => db.restoreRows('records', v1));
        const after = await preview(s, pi);
        // Today: 200, and no DEMOG row carries the corrected SEX.
        const sexes = rowsOf(after)
          .filter((r) => r.form === 'DEMOG')
          .map((r) => r.values.SEX);
        expect(after.status === 200 && !sexes.includes('M'), 'the older version quietly exported').toBe(
          false,
        );
        expect(after.body?.error?.code).toBe(TAMPERED);
      }));

    it('S9-5: a locked record unlocked by putting back its older row after a restart cannot be changed', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const p = await s.participant('S01');
        const unlocked = await s.sql((db) => db.all('select * from records where id = ?', p.demog));
        expectOk(await s.vault.records.lock(CLI_ACTOR, p.demog, 'Monitored'));
        await s.stop();
        await s.start();
        await s.sql((db) => db.restoreRows('records', unlocked));
        const changed = await s.as(coordinator, 'PUT', `/api/v1/records/${p.demog}`, {
          changes: { SEX: 'M' },
          reason: 'Correction',
        });
        expect(changed.status, JSON.stringify(changed.body)).not.toBe(200);
        expect(changed.body?.error?.code).toBe(TAMPERED);
      }));

    // FINDING S9-6 (S9-1 on the export tables). The same restart gap on `exports`: the row of a
    // downloaded export, copied before its one download and put back after a restart, is honoured
    // (no mark yet, the startup check ran before): the insider downloads the PHI file a second time.
    // Correct: refused (ROW_TAMPERED), as the reset flag on a stopped store is (dba-exports).
    it('S9-6: a downloaded export put back to its older row after a restart allows no second download', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        for (let i = 0; i < 3; i++) await s.participant('S01');
        expectOk(await s.vault.exports.recipients.setThreshold(CLI_ACTOR, s.study.id, 2));
        const browser = await s.browser(pi);
        const made = await s.call(browser, 'POST', `/api/v1/studies/${s.study.id}/exports`, {
          profile: 'deidentified',
          suppress: ['BIRTH_DATE', 'ZIP', 'SEX'],
        });
        expect(made.status, JSON.stringify(made.body)).toBe(201);
        const report = made.body as unknown as { exportId: string; files: { name: string }[] };
        const url = `/api/v1/exports/${report.exportId}/files/${report.files[0]?.name ?? ''}`;
        const fresh = await s.sql((db) => db.all('select * from exports where id = ?', report.exportId));
        expect((await s.call(browser, 'GET', url)).status).toBe(200);
        expect((await s.call(browser, 'GET', url)).status).not.toBe(200);
        await s.stop();
        await s.start();
        await s.sql((db) => db.restoreRows('exports', fresh));
        const again = await s.as(pi, 'GET', url);
        expect(again.status, 'downloaded a second time').not.toBe(200);
        expect(again.body?.error?.code).toBe(TAMPERED);
      }));

    // FINDING S9-7 (S9-1 on dual control). An identified export's request, approved by a second
    // person and then used once, is copied while approved; after a restart the database administrator
    // puts the approved row back (older valid MAC) and the requester makes a second identified export
    // on the same approval: one person, no second approval (HIPAA 164.308(a)(4), NIST AC-5).
    // Correct: refused (ROW_TAMPERED): the request row is below its latest ledger seal.
    it('S9-7: a used export approval put back after a restart releases no second identified export', async () =>
      DbaStore.with(dialect, async (s) => {
        const dm = await s.person('data_manager');
        const pi = await s.person('principal_investigator');
        await s.participant('S01');
        const reauth = async (who: Person) => {
          s.clock.advance(1);
          return { password: TEST_PASSWORD, totp: await codeAt(who.secret, s.clock) };
        };
        const browser = await s.browser(dm);
        const req = await s.call(browser, 'POST', `/api/v1/studies/${s.study.id}/export-requests`, {
          ...ask,
          ...(await reauth(dm)),
        });
        expect(req.status, JSON.stringify(req.body)).toBe(201);
        const id = (req.body as { id: string }).id;
        const approver = await s.browser(pi);
        const approved = await s.call(
          approver,
          'POST',
          `/api/v1/export-requests/${id}/approve`,
          await reauth(pi),
        );
        expect(approved.status, JSON.stringify(approved.body)).toBe(200);
        const approvedRow = await s.sql((db) => db.all('select * from export_requests where id = ?', id));
        const make = { profile: 'identified', ...ask, request: id };
        const first = await s.call(browser, 'POST', `/api/v1/studies/${s.study.id}/exports`, make);
        expect(first.status, JSON.stringify(first.body)).toBe(201);
        expect(
          (await s.call(browser, 'POST', `/api/v1/studies/${s.study.id}/exports`, make)).status,
        ).not.toBe(201);
        await s.stop();
        await s.start();
        await s.sql((db) => db.restoreRows('export_requests', approvedRow));
        const second = await s.as(dm, 'POST', `/api/v1/studies/${s.study.id}/exports`, make);
        expect(second.status, 'a second identified export on one approval').not.toBe(201);
        expect(second.body?.error?.code).toBe(TAMPERED);
      }));
  });
}
