import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { type Arena, arena, type Caller } from '../support/adversary.js';
import { enrollWithDemographics, PERSON, seedStudy } from '../support/fixtures.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Finding 5 of issue #12: any signed-in caller read every ledger event, other sites' participants,
 * withdrawals, failed sign-ins and reasons included, while the same participants answered 404.
 * ASVS 8.2.1, 8.2.2; HIPAA 164.312(a)(1): events are scoped like the audit trail.
 */
for (const dialect of DIALECTS) {
  describe(`ledger events are scoped like the audit trail (${dialect})`, () => {
    let a: Arena;
    let monitorS01: Caller;
    let coordinatorS01: Caller;
    let admin: Caller;
    let otherAdmin: Caller;
    let sysadmin: Caller;
    let auditor: Caller;
    const seq = { own: 0, otherSite: 0, studyWide: 0, signIn: 0, otherStudy: 0 };
    beforeAll(async () => {
      a = await arena(dialect);
      const db = a.t.vault.store.db;
      const own = await enrollWithDemographics(a.t.vault, a.study.id, 'S01');
      const other = await enrollWithDemographics(a.t.vault, a.study.id, 'S02', {
        ...PERSON,
        MRN: 'MRN-8888-YY',
      });
      expectOk(
        await a.t.vault.participants.setStatus(
          CLI_ACTOR,
          other.participant.id,
          'withdrawn',
          'Moved abroad, secret reason',
        ),
      );
      const second = await seedStudy(a.t.vault, 'TV-OTHER-002');
      await enrollWithDemographics(a.t.vault, second.id, 'S01');
      monitorS01 = await a.signIn('monitor', 'S01');
      coordinatorS01 = await a.signIn('coordinator', 'S01');
      admin = await a.signIn('study_admin');
      otherAdmin = await a.signIn('study_admin', undefined, second.id);
      sysadmin = await a.signIn('system_admin');
      auditor = await a.signIn('auditor');
      // A failed sign-in: an event outside every study.
      await a.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: admin.email, password: 'not the password at all' },
      });
      const latest = () => db.selectFrom('audit_events').select('seq').orderBy('seq', 'desc');
      const first = async (where: (q: ReturnType<typeof latest>) => ReturnType<typeof latest>) =>
        Number((await where(latest()).executeTakeFirstOrThrow()).seq);
      seq.own = await first((q) => q.where('participant_id', '=', own.participant.id));
      seq.otherSite = await first((q) =>
        q.where('participant_id', '=', other.participant.id).where('action', '=', 'participant.status'),
      );
      seq.studyWide = await first((q) =>
        q.where('study_id', '=', a.study.id).where('participant_id', 'is', null),
      );
      seq.signIn = await first((q) => q.where('study_id', 'is', null).where('outcome', '!=', 'success'));
      seq.otherStudy = await first((q) => q.where('study_id', '=', second.id));
    });
    afterAll(async () => a.close());

    const event = (c: Caller, i: number) => c.call('GET', `/api/v1/ledger/events/${i}`);
    const proof = (c: Caller, i: number) => c.call('GET', `/api/v1/ledger/inclusion?index=${i}`);

    it('ASVS 8.2.2: another site, another study, a study-wide event or a failed sign-in answer exactly like a missing event', async () => {
      const missing = await event(monitorS01, 10_000_000);
      expect(missing.status).toBe(404);
      for (const i of [seq.otherSite, seq.studyWide, seq.signIn, seq.otherStudy]) {
        const r = await event(monitorS01, i);
        expect(r.status, `event ${i}`).toBe(404);
        expect(r.body).toEqual(missing.body);
        expect(JSON.stringify(r.body)).not.toContain('secret reason');
        expect((await proof(monitorS01, i)).status).toBe(404);
      }
      // A role without audit.read sees no event at all, not even at its own site.
      expect((await event(coordinatorS01, seq.own)).status).toBe(404);
      // A study administrator of another study sees nothing of this one.
      for (const i of [seq.own, seq.otherSite, seq.studyWide])
        expect((await event(otherAdmin, i)).status).toBe(404);
      // Study administrators do not see events outside every study (sign-ins, accounts).
      expect((await event(admin, seq.signIn)).status).toBe(404);
    });

    it('ASVS 8.2.1: what the audit trail shows stays verifiable: own-site, study-wide for study-wide grants, everything for ledger.read', async () => {
      const own = await event(monitorS01, seq.own);
      expect(own.status).toBe(200);
      const p = await proof(monitorS01, seq.own);
      expect(p.status).toBe(200);
      expect(p.body.leafHash).toBe(own.body.leafHash);
      for (const i of [seq.own, seq.otherSite, seq.studyWide])
        expect((await event(admin, i)).status).toBe(200);
      for (const c of [sysadmin, auditor])
        for (const i of Object.values(seq)) {
          expect((await event(c, i)).status).toBe(200);
          expect((await proof(c, i)).status).toBe(200);
        }
    });

    it('21 CFR 11.10(d): verifying the whole store is ledger.verify (system admins, auditors); others are refused and audited', async () => {
      const before = await a.t.vault.store.db
        .selectFrom('audit_events')
        .select('seq')
        .where('action', '=', 'access.denied')
        .execute();
      for (const c of [admin, monitorS01, coordinatorS01])
        expect((await c.call('POST', '/api/v1/ledger/verify', {})).status).toBe(403);
      const after = await a.t.vault.store.db
        .selectFrom('audit_events')
        .select('details')
        .where('action', '=', 'access.denied')
        .execute();
      expect(after.length).toBe(before.length + 3);
      expect(after.at(-1)?.details).toContain('ledger.verify');
      for (const c of [sysadmin, auditor]) {
        const r = await c.call('POST', '/api/v1/ledger/verify', {});
        expect(r.status).toBe(200);
        expect(r.body.ok).toBe(true);
      }
    });
  });
}
