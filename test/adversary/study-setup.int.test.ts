import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tamperReportsSettled } from '../../src/authz/tamper-in-tx.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { type Arena, arena, type Caller } from '../support/adversary.js';
import { enrollWithDemographics, seedStudy } from '../support/fixtures.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Setting studies up over HTTP (issue #15 items 1 and 11), attacked with real roles: creating a study,
 * moving another study's status, adding a site without a grant, writing into a closed study. Every
 * attempt is refused and changes nothing (ASVS 8.2.1, 8.2.2; 21 CFR 11.10(d)).
 */
for (const dialect of DIALECTS) {
  describe(`study set-up attacks over HTTP (${dialect})`, () => {
    let a: Arena;
    let coordinator: Caller;
    let admin: Caller;
    let sysadmin: Caller;
    let other: string;
    const snapshot = async () => ({
      studies: await a.t.vault.store.db.selectFrom('studies').selectAll().orderBy('id').execute(),
      sites: await a.t.vault.store.db.selectFrom('sites').selectAll().orderBy('id').execute(),
    });
    beforeAll(async () => {
      a = await arena(dialect);
      coordinator = await a.signIn('coordinator', 'S01');
      admin = await a.signIn('study_admin');
      sysadmin = await a.signIn('system_admin');
      other = (await seedStudy(a.t.vault, 'TV-OTHER-002')).protocolId;
    });
    afterAll(async () => a.close());

    it('ASVS 8.2.1: only a system administrator creates a study', async () => {
      const before = await snapshot();
      for (const caller of [coordinator, admin]) {
        const made = await caller.call('POST', '/api/v1/studies', { protocolId: 'EVIL-1', title: 'Mine' });
        expect(made.status).toBe(403);
        expect(made.body.error.code).toBe('FORBIDDEN');
      }
      expect(await snapshot()).toEqual(before);
      const made = await sysadmin.call('POST', '/api/v1/studies', { protocolId: 'NEW-1', title: 'New' });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({ protocolId: 'NEW-1', status: 'draft' });
    });

    it("ASVS 8.2.2: a study admin cannot move another study's status nor add or rename its sites", async () => {
      const before = await snapshot();
      const status = await admin.call('POST', `/api/v1/studies/${other}/status`, {
        status: 'live',
        reason: 'Taking over',
      });
      expect(status.status).toBe(404);
      const site = await admin.call('POST', `/api/v1/studies/${other}/sites`, { code: 'S09', name: 'Rogue' });
      expect(site.status).toBe(404);
      const rename = await admin.call('PATCH', `/api/v1/studies/${other}/sites/S01`, { name: 'Rogue' });
      expect(rename.status).toBe(404);
      const title = await admin.call('PATCH', `/api/v1/studies/${other}`, { title: 'Rogue' });
      expect(title.status).toBe(404);
      for (const [method, url, body] of [
        ['POST', `/api/v1/studies/${a.study.protocolId}/status`, { status: 'live', reason: 'Go live now' }],
        ['POST', `/api/v1/studies/${a.study.protocolId}/sites`, { code: 'S09', name: 'Rogue' }],
        ['PATCH', `/api/v1/studies/${a.study.protocolId}/sites/S01`, { name: 'Rogue' }],
        ['PATCH', `/api/v1/studies/${a.study.protocolId}`, { title: 'Rogue' }],
      ] as const) {
        const answer = await coordinator.call(method, url, body);
        expect(answer.status, `${method} ${url}`).toBe(403);
      }
      expect(await snapshot()).toEqual(before);
      const denied = await a.t.vault.store.db
        .selectFrom('audit_events')
        .select('action')
        .where('action', '=', 'access.denied')
        .execute();
      expect(denied.length).toBeGreaterThanOrEqual(8);
    });

    it('a closed study refuses enrolment, records, status, sites and title over HTTP; nothing changes', async () => {
      const closed = await seedStudy(a.t.vault, 'TV-CLOSED-003');
      const { participant } = await enrollWithDemographics(a.t.vault, closed.id);
      const coord = await a.signIn('coordinator', 'S01', closed.protocolId);
      const setup = await a.signIn('study_admin', undefined, closed.protocolId);
      expect(
        (
          await setup.call('POST', `/api/v1/studies/${closed.protocolId}/status`, {
            status: 'live',
            reason: 'Approved',
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await setup.call('POST', `/api/v1/studies/${closed.protocolId}/status`, {
            status: 'closed',
            reason: 'Ended',
          })
        ).status,
      ).toBe(200);
      const before = await snapshot();
      const events = (await a.t.vault.store.db.selectFrom('audit_events').select('seq').execute()).length;
      const attempts = [
        await coord.call('POST', `/api/v1/studies/${closed.protocolId}/participants`, { site: 'S01' }),
        await coord.call('POST', '/api/v1/records', {
          participantId: participant.id,
          form: 'VITALS',
          visit: 'BASELINE',
          values: { SYSBP: 120, DIABP: 80 },
        }),
        await coord.call('POST', `/api/v1/participants/${participant.id}/status`, {
          status: 'withdrawn',
          reason: 'Moved away',
        }),
        await setup.call('POST', `/api/v1/studies/${closed.protocolId}/sites`, { code: 'S07', name: 'Late' }),
        await setup.call('PATCH', `/api/v1/studies/${closed.protocolId}/sites/S01`, { name: 'Late' }),
        await setup.call('PATCH', `/api/v1/studies/${closed.protocolId}`, { title: 'Reopened' }),
        await setup.call('POST', `/api/v1/studies/${closed.protocolId}/status`, {
          status: 'live',
          reason: 'Reopen',
        }),
      ];
      expect(attempts.map((r) => [r.status, r.body.error?.code])).toEqual(
        attempts.map(() => [409, 'STUDY_CLOSED']),
      );
      expect(await snapshot()).toEqual(before);
      expect((await a.t.vault.store.db.selectFrom('audit_events').select('seq').execute()).length).toBe(
        events,
      );
      expect(expectOk(await a.t.vault.studies.getStudy(CLI_ACTOR, closed.id)).status).toBe('closed');
    });

    it('issue #17 / 21 CFR 11.10(d): a closed study reopened in SQL takes no record and no enrolment (ROW_TAMPERED, alerted)', async () => {
      const closed = await seedStudy(a.t.vault, 'TV-CLOSED-004');
      const { participant } = await enrollWithDemographics(a.t.vault, closed.id);
      const coord = await a.signIn('coordinator', 'S01', closed.protocolId);
      expectOk(await a.t.vault.studies.setStatus(CLI_ACTOR, closed.id, 'live', 'Approved'));
      expectOk(await a.t.vault.studies.setStatus(CLI_ACTOR, closed.id, 'closed', 'Ended'));
      // The database administrator's seat: the study row set back to live, under the running server.
      await a.t.vault.store.db
        .updateTable('studies')
        .set({ status: 'live' })
        .where('id', '=', closed.id)
        .execute();
      const records = () =>
        a.t.vault.store.db.selectFrom('records').select('id').where('study_id', '=', closed.id).execute();
      const before = (await records()).length;
      const attempts = [
        await coord.call('POST', '/api/v1/records', {
          participantId: participant.id,
          form: 'VITALS',
          visit: 'BASELINE',
          values: { SYSBP: 120, DIABP: 80 },
        }),
        await coord.call('POST', `/api/v1/studies/${closed.protocolId}/participants`, { site: 'S01' }),
      ];
      expect(attempts.map((r) => [r.status, r.body.error?.code, r.body.error?.details?.table])).toEqual(
        attempts.map(() => [500, 'ROW_TAMPERED', 'studies']),
      );
      expect((await records()).length).toBe(before);
      await tamperReportsSettled();
      const alerts = await a.t.vault.store.db
        .selectFrom('alerts')
        .select('details')
        .where('kind', '=', 'row.tampered')
        .execute();
      expect(alerts.some((r) => JSON.parse(r.details).table === 'studies')).toBe(true);
    });
  });
}
