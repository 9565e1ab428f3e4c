import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DbaStore } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Outside review r17 (2026-12-03), database administrator's seat: the audit log changed in SQL on the
 * STOPPED store, then the server opened again (openVault + buildApp, as `serve` does) and used over
 * HTTP. At open the log is compared with the checkpoints the witness published outside the database
 * (LedgerService.checkAtStart): a log that does not hold them is not served (STORE_DAMAGED on every
 * request, an audit event and an alert naming audit_events), no checkpoint is signed over it, and
 * `verify` names the rows (21 CFR 11.10(c), 11.10(e); HIPAA 164.312(b); ASVS 8.3.1).
 */
const DAMAGED = 'STORE_DAMAGED';
const FORGED_ACTOR_REASON = 'forged by dba';

async function createdSeq(s: DbaStore, recordId: string): Promise<number> {
  const row = await s.vault.store.db
    .selectFrom('audit_events')
    .select('seq')
    .where('record_id', '=', recordId)
    .where('action', '=', 'record.create')
    .executeTakeFirstOrThrow();
  return Number(row.seq);
}

async function lastSeq(s: DbaStore): Promise<number> {
  const row = await s.vault.store.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirstOrThrow();
  return Number(row.seq);
}

for (const dialect of DIALECTS) {
  describe(`review r17: the audit log against its witness at start (${dialect})`, () => {
    // R17-1: a checkpointed and witnessed correction rolled back: the tail event deleted with its
    // checkpoint, audit_seq lowered, the v2 row deleted and the older records row (valid MAC) put back.
    it('R17-1 21 CFR 11.10(e): a witnessed correction rolled back in SQL is not served', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const p = await s.participant('S01');
        const browser = await s.browser(coordinator);
        await s.stop();
        const old = await s.sql((db) => db.all('select * from records where id = ?', p.demog));
        await s.start();
        expectOk(
          await s.vault.records.update(CLI_ACTOR, p.demog, { changes: { SEX: 'M' }, reason: 'Correction' }),
        );
        const update = await lastSeq(s);
        expectOk(await s.vault.ledger.checkpoint()); // as `serve` does at shutdown: witnessed
        await s.tamper(async (db) => {
          expect(await db.run('delete from audit_events where seq = ?', update)).toBe(1);
          await db.run("update counters set value = ? where name = 'audit_seq'", update);
          await db.run('delete from ledger_checkpoints where size > ?', update);
          expect(
            await db.run('delete from record_versions where record_id = ? and version = 2', p.demog),
          ).toBe(1);
          await db.restoreRows('records', old);
        });
        const read = await s.call(browser, 'GET', `/api/v1/records/${p.demog}`);
        expect(read.status, JSON.stringify(read.body)).toBe(503);
        expect(read.body?.error?.code, JSON.stringify(read.body)).toBe(DAMAGED);
        expect(JSON.stringify(read.body)).not.toContain('"SEX"');
        const { refusal } = await s.signIn(coordinator);
        expect(refusal?.body?.error?.code, JSON.stringify(refusal?.body)).toBe(DAMAGED);
        await s.expectAlerted('audit_events');
        // Nothing is signed over the changed log, so the next start refuses it again.
        expect((await s.vault.ledger.checkpoint()).ok).toBe(false);
        await s.stop();
        await s.start();
        expect((await s.call(browser, 'GET', `/api/v1/records/${p.demog}`)).status).toBe(503);
        expect((await s.findings()).length).toBeGreaterThan(0); // verify names the rows
      }));

    // R17-8: a record.reveal event (who read protected values) deleted from the middle of a
    // checkpointed, witnessed log.
    it('R17-8 HIPAA 164.312(b): a reveal event deleted in SQL from a witnessed log is not silently missing', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const monitor = await s.person('monitor');
        const p = await s.participant('S01');
        const browser = await s.browser(coordinator);
        const reveal = await s.call(browser, 'GET', `/api/v1/records/${p.demog}?reveal=true`);
        expect(reveal.status, JSON.stringify(reveal.body)).toBe(200);
        const revealed = await lastSeq(s);
        await s.call(browser, 'GET', `/api/v1/participants/${p.id}?reveal=true`); // a later event
        expectOk(await s.vault.ledger.checkpoint()); // as `serve` does at shutdown: witnessed
        const reader = await s.browser(monitor);
        await s.tamper(async (db) => {
          expect(
            await db.run("delete from audit_events where seq = ? and action = 'record.reveal'", revealed),
          ).toBe(1);
        });
        for (const url of [
          `/api/v1/records/${p.demog}/audit`,
          `/api/v1/studies/${s.study.id}/audit?after=${revealed - 2}&limit=10`,
        ]) {
          const answer = await s.call(reader, 'GET', url);
          expect(answer.status, `${url}: ${JSON.stringify(answer.body).slice(0, 300)}`).toBe(503);
          expect(answer.body?.error?.code).toBe(DAMAGED);
        }
        await s.expectAlerted('audit_events');
        expect((await s.findings()).map((f) => f.kind)).toContain('deleted');
      }));

    // The same log renumbered after the deletion (seq closed up, hashes recomputed need no key):
    // no gap, but the root at the witnessed size is not the published one.
    it('R17-8 21 CFR 11.10(e): an event deleted and the later ones renumbered is refused at start', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        await s.participant('S01');
        const browser = await s.browser(coordinator);
        expectOk(await s.vault.ledger.checkpoint());
        const last = await lastSeq(s);
        await s.tamper(async (db) => {
          expect(await db.run('delete from audit_events where seq = ?', last - 3)).toBe(1);
          for (let seq = last - 2; seq <= last; seq++)
            await db.run('update audit_events set seq = ? where seq = ?', seq - 1, seq);
          await db.run("update counters set value = ? where name = 'audit_seq'", last);
          await db.run('delete from ledger_checkpoints');
        });
        const answer = await s.call(browser, 'GET', `/api/v1/studies/${s.study.id}/participants`);
        expect(answer.body?.error?.code, JSON.stringify(answer.body)).toBe(DAMAGED);
      }));

    it('21 CFR 11.10(e): a normal restart of a witnessed store is served', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        await s.participant('S01');
        expectOk(await s.vault.ledger.checkpoint());
        await s.stop();
        await s.start();
        expect(s.vault.ledger.damage).toBeUndefined();
        const browser = await s.browser(coordinator);
        const list = await s.call(browser, 'GET', `/api/v1/studies/${s.study.id}/participants`);
        expect(list.status, JSON.stringify(list.body)).toBe(200);
        expectOk(await s.vault.ledger.checkpoint());
      }));

    // R17-2: the "events before migration 0002 carry no leaf MAC" exemption was decided from stored
    // rows: nulling leaf_mac on a prefix of the log made a rewritten event "legacy", shown as stored.
    it('R17-2 21 CFR 11.10(e): an event rewritten in SQL with its leaf MAC (and all earlier ones) nulled is not shown', async () =>
      DbaStore.with(dialect, async (s) => {
        const monitor = await s.person('monitor');
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        const created = await createdSeq(s, p.demog);
        const browser = await s.browser(monitor);
        await s.tamper(async (db) => {
          expect(
            await db.run('update audit_events set leaf_mac = null where seq <= ?', created),
          ).toBeGreaterThan(0);
          await db.run(
            'update audit_events set actor = ?, reason = ? where seq = ?',
            `user:${pi.userId}`,
            FORGED_ACTOR_REASON,
            created,
          );
        });
        for (const url of [
          `/api/v1/records/${p.demog}/audit`,
          `/api/v1/participants/${p.id}/audit`,
          `/api/v1/studies/${s.study.id}/audit?after=${created - 1}&limit=5`,
        ]) {
          const answer = await s.call(browser, 'GET', url);
          expect(JSON.stringify(answer.body), url).not.toContain(FORGED_ACTOR_REASON);
          expect(answer.status, url).not.toBe(200);
        }
        await s.expectRefused(
          await s.call(browser, 'GET', `/api/v1/records/${p.demog}/audit`),
          'audit_events',
        );
      }));

    it('R17-2 21 CFR 11.10(e): with the log witnessed, the same rewrite is refused at start', async () =>
      DbaStore.with(dialect, async (s) => {
        const monitor = await s.person('monitor');
        const p = await s.participant('S01');
        const created = await createdSeq(s, p.demog);
        const browser = await s.browser(monitor);
        expectOk(await s.vault.ledger.checkpoint());
        await s.tamper(async (db) => {
          await db.run('update audit_events set leaf_mac = null where seq <= ?', created);
          await db.run('update audit_events set reason = ? where seq = ?', FORGED_ACTOR_REASON, created);
        });
        const answer = await s.call(browser, 'GET', `/api/v1/records/${p.demog}/audit`);
        expect(answer.body?.error?.code, JSON.stringify(answer.body)).toBe(DAMAGED);
      }));

    it('R17-2: events without a leaf MAC inside the witnessed prefix, unchanged, are still shown', async () =>
      DbaStore.with(dialect, async (s) => {
        const monitor = await s.person('monitor');
        const p = await s.participant('S01');
        const created = await createdSeq(s, p.demog);
        const browser = await s.browser(monitor);
        expectOk(await s.vault.ledger.checkpoint());
        await s.tamper(async (db) => {
          await db.run('update audit_events set leaf_mac = null where seq <= ?', created);
        });
        const answer = await s.call(browser, 'GET', `/api/v1/records/${p.demog}/audit`);
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      }));

    // R17-3: GET /api/v1/ledger/events/{i} answered an event whose leaf MAC fails as if it were the event.
    it('R17-3 ASVS 8.3.1: the ledger events API does not serve an event rewritten in SQL', async () =>
      DbaStore.with(dialect, async (s) => {
        const auditor = await s.person('auditor');
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        const created = await createdSeq(s, p.demog);
        const browser = await s.browser(auditor);
        await s.tamper(async (db) => {
          await db.run(
            'update audit_events set actor = ?, reason = ? where seq = ?',
            `user:${pi.userId}`,
            FORGED_ACTOR_REASON,
            created,
          );
        });
        const event = await s.call(browser, 'GET', `/api/v1/ledger/events/${created}`);
        expect(JSON.stringify(event.body)).not.toContain(FORGED_ACTOR_REASON);
        await s.expectRefused(event, 'audit_events');
        const genuine = await s.call(browser, 'GET', `/api/v1/ledger/events/${created + 1}`);
        expect(genuine.status, JSON.stringify(genuine.body)).toBe(200);
      }));
  });
}
