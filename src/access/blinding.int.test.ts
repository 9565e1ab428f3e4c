import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithRole } from '../../test/support/access.js';
import { enrollWithDemographics, PERSON, seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { type Actor, CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';

const ALLOCATION = { ARM: 'A', KIT: 'K55501', RAND_DATE: '2026-09-02' };

for (const dialect of DIALECTS) {
  describe(`site scoping, blinding, reveal rights (${dialect})`, () => {
    let t: TestVault;
    let f: {
      studyId: string;
      siteA: { participantId: string; recordId: string; randId: string };
      siteB: { participantId: string; recordId: string };
      coordinatorA: Actor;
      pharmacist: Actor;
      statistician: Actor;
      finance: Actor;
      monitorNoMfa: Actor;
    };
    beforeAll(async () => {
      t = await freshVault(dialect);
      const study = await seedStudy(t.vault);
      const a = await enrollWithDemographics(t.vault, study.id, 'S01');
      const rand = expectOk(
        await t.vault.records.create(CLI_ACTOR, {
          participantId: a.participant.id,
          form: 'RAND',
          visit: 'BASELINE',
          values: ALLOCATION,
        }),
      );
      expectOk(
        await t.vault.records.update(CLI_ACTOR, rand.id, {
          changes: { ARM: 'P' },
          reason: 'Randomization correction',
        }),
      );
      const b = await enrollWithDemographics(t.vault, study.id, 'S02', { ...PERSON, MRN: 'MRN-9999-SB' });
      const monitor = await userWithRole(t.vault, 'monitor', study.id, 'S01');
      f = {
        studyId: study.id,
        siteA: { participantId: a.participant.id, recordId: a.record.id, randId: rand.id },
        siteB: { participantId: b.participant.id, recordId: b.record.id },
        coordinatorA: (await userWithRole(t.vault, 'coordinator', study.id, 'S01')).actor,
        pharmacist: (await userWithRole(t.vault, 'unblinded_pharmacist', study.id)).actor,
        statistician: (await userWithRole(t.vault, 'statistician', study.id)).actor,
        finance: (await userWithRole(t.vault, 'finance', study.id)).actor,
        monitorNoMfa: { ...monitor.actor, mfa: false } as Actor,
      };
    });
    afterAll(async () => t.cleanup());

    it('ASVS 8.2.2: a coordinator of site A gets not-found for a site B participant, exactly as for one that does not exist', async () => {
      const other = await t.vault.participants.get(f.coordinatorA, f.siteB.participantId);
      const missing = await t.vault.participants.get(f.coordinatorA, 'no-such-participant');
      expect(other.ok ? null : other.error).toEqual(missing.ok ? null : missing.error);
      for (const r of [
        await t.vault.records.read(f.coordinatorA, f.siteB.recordId),
        await t.vault.records.history(f.coordinatorA, f.siteB.recordId),
        await t.vault.records.update(f.coordinatorA, f.siteB.recordId, {
          changes: { SEX: 'M' },
          reason: 'Correction',
        }),
        await t.vault.records.listForParticipant(f.coordinatorA, f.siteB.participantId),
        await t.vault.participants.findBySubject(f.coordinatorA, f.studyId, 'S02-0001'),
      ]) {
        expect(r.ok ? null : r.error.code).toBe('NOT_FOUND');
      }
      const list = expectOk(await t.vault.participants.list(f.coordinatorA, f.studyId));
      expect(list.map((p) => p.siteCode)).toEqual(['S01']);
      const lookup = expectOk(
        await t.vault.participants.lookup(f.coordinatorA, f.studyId, 'mrn', 'MRN-9999-SB'),
      );
      expect(lookup).toEqual([]);
      const sites = expectOk(await t.vault.studies.listSites(f.coordinatorA, f.studyId));
      expect(sites.map((s) => s.code)).toEqual(['S01']);
    });

    it('ICH E9 2.3.1: a blinded role never receives an allocation value by any path', async () => {
      for (const actor of [f.coordinatorA, f.statistician, f.finance]) {
        const read = expectOk(
          await t.vault.records.read(actor, f.siteA.randId, { reveal: actor !== f.statistician }),
        );
        const text = JSON.stringify(read);
        for (const forbidden of ['ARM', 'KIT', 'K55501', '"A"', '"P"']) expect(text).not.toContain(forbidden);
        const history = expectOk(
          await t.vault.records.history(actor, f.siteA.randId, { reveal: actor !== f.statistician }),
        );
        expect(JSON.stringify(history)).not.toMatch(/ARM|KIT|K55501/);
        const write = await t.vault.records.update(actor, f.siteA.randId, {
          changes: { RAND_DATE: '2026-09-03' },
          reason: 'Correction',
        });
        expect(write.ok ? null : write.error.code).toBe('FORBIDDEN');
        expect(JSON.stringify(write)).not.toContain('K55501');
      }
      const unblinded = expectOk(await t.vault.records.read(f.pharmacist, f.siteA.randId, { reveal: true }));
      expect(unblinded.values).toMatchObject({ ARM: 'P', KIT: 'K55501' });
    });

    it('HIPAA 164.312(a)(1): each role reveals only its classes; without a second factor nothing is revealed', async () => {
      const coordinator = expectOk(
        await t.vault.records.read(f.coordinatorA, f.siteA.recordId, { reveal: true }),
      );
      expect(coordinator.values.FULL_NAME).toBe(PERSON.FULL_NAME);
      const statistician = await t.vault.records.read(f.statistician, f.siteA.recordId, { reveal: true });
      expect(statistician.ok ? null : statistician.error.code).toBe('FORBIDDEN');
      const deidentified = expectOk(await t.vault.records.read(f.statistician, f.siteA.recordId));
      expect(deidentified.values).toEqual({ SEX: 'F' });
      const finance = expectOk(await t.vault.records.read(f.finance, f.siteA.recordId, { reveal: true }));
      expect(finance.values.FULL_NAME).toBeUndefined();
      expect(finance.masked).toContain('FULL_NAME');
      const noMfa = await t.vault.records.read(f.monitorNoMfa, f.siteA.recordId, { reveal: true });
      expect(noMfa.ok ? null : noMfa.error.code).toBe('FORBIDDEN');
      const reveals = await t.vault.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'record.reveal')
        .execute();
      expect(reveals.some((e) => e.actor === `user:${f.coordinatorA.id}`)).toBe(true);
    });

    it('HIPAA 164.312(a)(2)(ii): break-glass needs a justification, raises an alert, widens access, is listed and ends by itself', async () => {
      const short = await t.vault.breakGlass.start(f.coordinatorA, {
        study: f.studyId,
        justification: 'urgent',
      });
      expect(short.ok ? null : short.error.code).toBe('REASON_REQUIRED');
      expect((await t.vault.records.read(f.coordinatorA, f.siteB.recordId)).ok).toBe(false);
      const glass = expectOk(
        await t.vault.breakGlass.start(f.coordinatorA, {
          study: f.studyId,
          justification: 'Participant in the emergency room at site B, allergy check',
          minutes: 5,
        }),
      );
      expect(glass.active).toBe(true);
      expect((await t.vault.records.read(f.coordinatorA, f.siteB.recordId, { reveal: true })).ok).toBe(true);
      const alerts = await t.vault.store.db
        .selectFrom('alerts')
        .selectAll()
        .where('kind', '=', 'break-glass')
        .execute();
      expect(alerts).toHaveLength(1);
      const admin = await userWithRole(t.vault, 'study_admin', f.studyId);
      expect(
        expectOk(await t.vault.breakGlass.list(admin.actor, f.studyId)).map((g) => g.justification),
      ).toContain(glass.justification);
      const notAdmin = await t.vault.breakGlass.list(f.coordinatorA, f.studyId);
      expect(notAdmin.ok ? null : notAdmin.error.code).toBe('FORBIDDEN');
      await t.vault.store.db
        .updateTable('break_glass')
        .set({ expires_at: '2000-01-01T00:00:00.000Z' })
        .execute();
      expect((await t.vault.records.read(f.coordinatorA, f.siteB.recordId)).ok).toBe(false);
    });
  });
}
