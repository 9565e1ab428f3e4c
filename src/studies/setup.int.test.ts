import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userWithRole } from '../../test/support/access.js';
import { enrollWithDemographics, seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk, type Result } from '../core/result.js';
import { DEMO_FORMS } from '../demo/demo-forms.js';

const VITALS = DEMO_FORMS.find((f) => f.oid === 'VITALS') ?? DEMO_FORMS[0];
const codeOf = (r: Result<unknown>) => (r.ok ? 'ok' : r.error.code);

for (const dialect of DIALECTS) {
  describe(`study set-up: title, sites, status (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    const events = (action: string) =>
      t.vault.store.db
        .selectFrom('audit_events')
        .select(['action', 'target', 'reason'])
        .where('action', '=', action)
        .execute();

    it('edits title and site names, audited and sealed; status moves only forward, with a reason', async () => {
      const study = expectOk(
        await t.vault.studies.createStudy(CLI_ACTOR, { protocolId: 'P-1', title: 'Old' }),
      );
      expectOk(await t.vault.studies.addSite(CLI_ACTOR, study.id, { code: 'S01', name: 'North' }));
      expect(expectOk(await t.vault.studies.editStudy(CLI_ACTOR, 'P-1', { title: 'New title' })).title).toBe(
        'New title',
      );
      expect(codeOf(await t.vault.studies.editStudy(CLI_ACTOR, 'P-1', { title: ' ' }))).toBe(
        'VALIDATION_FAILED',
      );
      expect(codeOf(await t.vault.studies.editStudy(CLI_ACTOR, 'P-1', { protocolId: 'X' }))).toBe(
        'VALIDATION_FAILED',
      );
      expect(
        expectOk(await t.vault.studies.editSite(CLI_ACTOR, 'P-1', 'S01', { name: 'North Clinic' })).name,
      ).toBe('North Clinic');
      expect(codeOf(await t.vault.studies.editSite(CLI_ACTOR, 'P-1', 'S09', { name: 'X' }))).toBe(
        'NOT_FOUND',
      );
      expect(expectOk(await t.vault.studies.getStudy(CLI_ACTOR, 'P-1')).title).toBe('New title');
      expect(expectOk(await t.vault.studies.listSites(CLI_ACTOR, 'P-1'))[0]?.name).toBe('North Clinic');
      expect(await events('study.edit')).toEqual([{ action: 'study.edit', target: 'P-1', reason: null }]);
      expect(await events('site.edit')).toEqual([{ action: 'site.edit', target: 'S01', reason: null }]);

      expect(codeOf(await t.vault.studies.changeStatus(CLI_ACTOR, 'P-1', { status: 'live' }))).toBe(
        'REASON_REQUIRED',
      );
      expect(
        codeOf(await t.vault.studies.changeStatus(CLI_ACTOR, 'P-1', { status: 'draft', reason: 'back' })),
      ).toBe('VALIDATION_FAILED');
      expectOk(
        await t.vault.studies.changeStatus(CLI_ACTOR, 'P-1', { status: 'live', reason: 'IRB approval' }),
      );
      expect(
        codeOf(await t.vault.studies.changeStatus(CLI_ACTOR, 'P-1', { status: 'live', reason: 'again' })),
      ).toBe('CONFLICT');
      expectOk(
        await t.vault.studies.changeStatus(CLI_ACTOR, 'P-1', { status: 'closed', reason: 'Study end' }),
      );
      expect(codeOf(await t.vault.studies.setStatus(CLI_ACTOR, 'P-1', 'live'))).toBe('STUDY_CLOSED');
      expect((await events('study.status')).map((e) => e.reason)).toEqual(['IRB approval', 'Study end']);
      expect((await t.vault.ledger.verify()).ok).toBe(true);
    });

    it('a closed study refuses every write (records, enrolment, status, forms, schedule, sites) and changes nothing', async () => {
      const study = await seedStudy(t.vault);
      const { participant, record } = await enrollWithDemographics(t.vault, study.id);
      expectOk(await t.vault.forms.defineForm(CLI_ACTOR, study.id, { ...VITALS, name: 'Vitals v2' }));
      expectOk(await t.vault.studies.setStatus(CLI_ACTOR, study.id, 'live'));
      expectOk(await t.vault.studies.setStatus(CLI_ACTOR, study.id, 'closed', 'Study end'));
      const before = await t.vault.store.db.selectFrom('audit_events').select('seq').execute();
      const vitals = {
        participantId: participant.id,
        form: 'VITALS',
        visit: 'BASELINE',
        values: { SYSBP: 120, DIABP: 80 },
      };
      const attempts: Result<unknown>[] = [
        await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01' }),
        await t.vault.participants.setStatus(CLI_ACTOR, participant.id, 'withdrawn', 'Moved away'),
        await t.vault.records.create(CLI_ACTOR, vitals),
        await t.vault.records.update(CLI_ACTOR, record.id, { changes: { SEX: 'M' }, reason: 'Typo fixed' }),
        await t.vault.records.lock(CLI_ACTOR, record.id),
        await t.vault.forms.defineForm(CLI_ACTOR, study.id, { ...VITALS, name: 'Vitals v3' }),
        await t.vault.forms.publish(CLI_ACTOR, study.id, 'VITALS'),
        await t.vault.schedule.define(CLI_ACTOR, study.id, {
          events: [{ oid: 'SCREENING', name: 'Screening', kind: 'screening', forms: ['DEMOG'] }],
        }),
        await t.vault.studies.addSite(CLI_ACTOR, study.id, { code: 'S03', name: 'West' }),
        await t.vault.studies.editSite(CLI_ACTOR, study.id, 'S01', { name: 'Elsewhere' }),
        await t.vault.studies.editStudy(CLI_ACTOR, study.id, { title: 'Renamed' }),
      ];
      expect(attempts.map(codeOf)).toEqual(attempts.map(() => 'STUDY_CLOSED'));
      expect(await t.vault.store.db.selectFrom('audit_events').select('seq').execute()).toEqual(before);
      // Reads remain.
      expect(expectOk(await t.vault.records.read(CLI_ACTOR, record.id)).version).toBe(1);
      expect(expectOk(await t.vault.studies.listSites(CLI_ACTOR, study.id))).toHaveLength(2);
    });

    it('a live study keeps its published form versions: a live version never changes', async () => {
      const study = await seedStudy(t.vault);
      expectOk(await t.vault.studies.setStatus(CLI_ACTOR, study.id, 'live', 'Go'));
      const live = expectOk(await t.vault.forms.liveForm(study.id, 'VITALS'));
      const changed = await t.vault.forms.updateVersion(CLI_ACTOR, live.versionId, VITALS);
      expect(codeOf(changed)).toBe('FORM_VERSION_IMMUTABLE');
      expect(expectOk(await t.vault.forms.liveForm(study.id, 'VITALS')).versionId).toBe(live.versionId);
    });

    it('deny by default: system admins create and set up; study admins only their study; others never', async () => {
      const mine = await seedStudy(t.vault, 'MINE');
      const other = await seedStudy(t.vault, 'OTHER');
      const sys = (await userWithRole(t.vault, 'system_admin', undefined)).actor;
      const admin = (await userWithRole(t.vault, 'study_admin', mine.id)).actor;
      const coordinator = (await userWithRole(t.vault, 'coordinator', mine.id, 'S01')).actor;
      expectOk(await t.vault.studies.createStudy(sys, { protocolId: 'NEW', title: 'New' }));
      expectOk(await t.vault.studies.addSite(sys, 'NEW', { code: 'S01', name: 'A' }));
      expect((await t.vault.studies.listStudies(sys)).map((s) => s.protocolId)).toEqual([
        'MINE',
        'NEW',
        'OTHER',
      ]);
      expect(expectOk(await t.vault.studies.listSites(sys, 'NEW'))).toHaveLength(1);
      expectOk(await t.vault.studies.changeStatus(sys, 'NEW', { status: 'live', reason: 'Approved' }));

      expect(codeOf(await t.vault.studies.createStudy(admin, { protocolId: 'A2', title: 'x' }))).toBe(
        'FORBIDDEN',
      );
      expectOk(await t.vault.studies.addSite(admin, mine.id, { code: 'S05', name: 'Five' }));
      expect(codeOf(await t.vault.studies.addSite(admin, other.id, { code: 'S05', name: 'Five' }))).toBe(
        'NOT_FOUND',
      );
      expect(
        codeOf(await t.vault.studies.changeStatus(admin, other.id, { status: 'live', reason: 'mine now' })),
      ).toBe('NOT_FOUND');
      expect(codeOf(await t.vault.studies.createStudy(coordinator, { protocolId: 'C2', title: 'x' }))).toBe(
        'FORBIDDEN',
      );
      expect(codeOf(await t.vault.studies.addSite(coordinator, mine.id, { code: 'S06', name: 'Six' }))).toBe(
        'FORBIDDEN',
      );
      expect(
        codeOf(
          await t.vault.studies.changeStatus(coordinator, mine.id, { status: 'live', reason: 'go live' }),
        ),
      ).toBe('FORBIDDEN');
      expect(expectOk(await t.vault.studies.getStudy(CLI_ACTOR, 'OTHER')).status).toBe('draft');
      expect(expectOk(await t.vault.studies.getStudy(CLI_ACTOR, 'MINE')).status).toBe('draft');
    });
  });
}
