import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userWithRole } from '../../test/support/access.js';
import { seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';

const codeOf = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error?.code);

for (const dialect of DIALECTS) {
  describe(`screen failure as a participant status (${dialect})`, () => {
    let t: TestVault;
    let studyId: string;
    beforeEach(async () => {
      t = await freshVault(dialect);
      studyId = (await seedStudy(t.vault)).id;
    });
    afterEach(async () => t.cleanup());

    const enrol = async (status: 'screening' | 'enrolled', site = 'S01') =>
      expectOk(await t.vault.participants.enroll(CLI_ACTOR, studyId, { site, status }));

    it('issue #15 item 6: a screening participant is screen-failed with a reason, audited, sealed; verify passes', async () => {
      const { actor } = await userWithRole(t.vault, 'coordinator', studyId, 'S01');
      const p = await enrol('screening');
      const failed = expectOk(
        await t.vault.participants.setStatus(actor, p.id, 'screen_failed', 'Inclusion criterion 3 not met'),
      );
      expect(failed.status).toBe('screen_failed');
      expect(expectOk(await t.vault.participants.get(CLI_ACTOR, p.id)).status).toBe('screen_failed');
      const listed = expectOk(await t.vault.participants.list(CLI_ACTOR, studyId));
      expect(listed.find((x) => x.id === p.id)?.status).toBe('screen_failed');
      const event = await t.vault.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'participant.status')
        .executeTakeFirstOrThrow();
      expect(event.reason).toBe('Inclusion criterion 3 not met');
      expect(JSON.parse(event.details ?? '{}')).toMatchObject({ from: 'screening', to: 'screen_failed' });
      // An enrolled participant not yet randomised may be screen-failed too.
      const q = await enrol('enrolled');
      expectOk(await t.vault.participants.setStatus(actor, q.id, 'screen_failed', 'Lab value out of range'));
      const report = await t.vault.ledger.verify();
      expect(report.ok, JSON.stringify(report)).toBe(true);
    });

    it('issue #15 item 6: a randomised participant is refused a screen failure (CONFLICT), nothing changes', async () => {
      const p = await enrol('enrolled');
      expectOk(
        await t.vault.records.create(CLI_ACTOR, {
          participantId: p.id,
          form: 'RAND',
          visit: 'BASELINE',
          values: { ARM: 'A', KIT: 'K12345', RAND_DATE: '2026-09-02' },
        }),
      );
      const refused = await t.vault.participants.setStatus(CLI_ACTOR, p.id, 'screen_failed', 'Too late now');
      expect(codeOf(refused)).toBe('CONFLICT');
      expect(expectOk(await t.vault.participants.get(CLI_ACTOR, p.id)).status).toBe('enrolled');
      // Withdrawal stays the way out after randomisation.
      expectOk(await t.vault.participants.setStatus(CLI_ACTOR, p.id, 'withdrawn', 'Consent withdrawn'));
    });

    it('issue #15 item 6: only from screening or enrolled; a screen failure is final; never a starting status', async () => {
      const p = await enrol('enrolled');
      expectOk(await t.vault.participants.setStatus(CLI_ACTOR, p.id, 'withdrawn', 'Consent withdrawn'));
      const fromWithdrawn = await t.vault.participants.setStatus(CLI_ACTOR, p.id, 'screen_failed', 'Oops');
      expect(codeOf(fromWithdrawn)).toBe('CONFLICT');
      const q = await enrol('screening');
      expectOk(await t.vault.participants.setStatus(CLI_ACTOR, q.id, 'screen_failed', 'Not eligible'));
      const back = await t.vault.participants.setStatus(CLI_ACTOR, q.id, 'enrolled', 'Rescreened');
      expect(codeOf(back)).toBe('CONFLICT');
      const noReason = await t.vault.participants.setStatus(
        CLI_ACTOR,
        (await enrol('screening')).id,
        'screen_failed',
        '',
      );
      expect(codeOf(noReason)).toBe('REASON_REQUIRED');
      const created = await t.vault.participants.enroll(CLI_ACTOR, studyId, {
        site: 'S01',
        status: 'screen_failed',
      });
      expect(codeOf(created)).toBe('VALIDATION_FAILED');
    });

    it('ASVS 8.2.2: a coordinator of another site is refused the screen failure; the status is unchanged', async () => {
      const { actor } = await userWithRole(t.vault, 'coordinator', studyId, 'S02');
      const p = await enrol('screening', 'S01');
      const refused = await t.vault.participants.setStatus(actor, p.id, 'screen_failed', 'Not eligible');
      expect(['FORBIDDEN', 'NOT_FOUND']).toContain(codeOf(refused));
      const monitor = await userWithRole(t.vault, 'monitor', studyId);
      const byMonitor = await t.vault.participants.setStatus(
        monitor.actor,
        p.id,
        'screen_failed',
        'Not eligible',
      );
      expect(codeOf(byMonitor)).toBe('FORBIDDEN');
      expect(expectOk(await t.vault.participants.get(CLI_ACTOR, p.id)).status).toBe('screening');
    });

    it('a closed study refuses a screen failure (STUDY_CLOSED)', async () => {
      const p = await enrol('screening');
      const study = expectOk(await t.vault.studies.getStudy(CLI_ACTOR, studyId));
      if (study.status === 'draft')
        expectOk(
          await t.vault.studies.changeStatus(CLI_ACTOR, study.protocolId, {
            status: 'live',
            reason: 'Go live',
          }),
        );
      expectOk(
        await t.vault.studies.changeStatus(CLI_ACTOR, study.protocolId, {
          status: 'closed',
          reason: 'Study end',
        }),
      );
      const refused = await t.vault.participants.setStatus(CLI_ACTOR, p.id, 'screen_failed', 'Not eligible');
      expect(codeOf(refused)).toBe('STUDY_CLOSED');
    });
  });
}
