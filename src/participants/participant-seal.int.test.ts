import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollWithDemographics, PERSON, seedStudy } from '../../test/support/fixtures.js';
import { expectTamperRefused } from '../../test/support/row-tamper.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';

for (const dialect of DIALECTS) {
  describe(`participant rows checked on read (${dialect})`, () => {
    let t: TestVault;
    let f: { studyId: string; participantId: string; otherSite: string };
    beforeEach(async () => {
      t = await freshVault(dialect);
      const study = await seedStudy(t.vault);
      const { participant } = await enrollWithDemographics(t.vault, study.id);
      const site = await t.vault.store.db
        .selectFrom('sites')
        .select('id')
        .where('code', '=', 'S02')
        .executeTakeFirstOrThrow();
      f = { studyId: study.id, participantId: participant.id, otherSite: site.id };
    });
    afterEach(async () => t.cleanup());

    it('issue #17, ASVS 8.2.1: a participant moved to another site in SQL is refused, not shown at the new site', async () => {
      await t.vault.store.db
        .updateTable('participants')
        .set({ site_id: f.otherSite })
        .where('id', '=', f.participantId)
        .execute();
      await expectTamperRefused(
        t.vault,
        await t.vault.participants.get(CLI_ACTOR, f.participantId),
        'participants',
      );
      const listed = await t.vault.participants.list(CLI_ACTOR, f.studyId);
      expect(listed.ok ? 'listed' : listed.error.code).toBe('ROW_TAMPERED');
    });

    it('issue #17: a status changed in SQL is never honoured (no status change, no lookup on it)', async () => {
      await t.vault.store.db
        .updateTable('participants')
        .set({ status: 'withdrawn' })
        .where('id', '=', f.participantId)
        .execute();
      const changed = await t.vault.participants.setStatus(
        CLI_ACTOR,
        f.participantId,
        'completed',
        'Study end',
      );
      await expectTamperRefused(t.vault, changed, 'participants');
      const found = await t.vault.participants.lookup(CLI_ACTOR, f.studyId, 'mrn', PERSON.MRN);
      expect(found.ok ? 'found' : found.error.code).toBe('ROW_TAMPERED');
    });

    it('issue #17: a lookup token inserted in SQL never makes an identifier find a participant', async () => {
      const other = expectOk(await t.vault.participants.enroll(CLI_ACTOR, f.studyId, { site: 'S02' }));
      const token = await t.vault.store.db
        .selectFrom('participant_lookup')
        .select(['study_id', 'kind', 'token'])
        .where('participant_id', '=', f.participantId)
        .where('kind', '=', 'mrn')
        .executeTakeFirstOrThrow();
      await t.vault.store.db
        .insertInto('participant_lookup')
        .values({ ...token, participant_id: other.id })
        .execute();
      const found = await t.vault.participants.lookup(CLI_ACTOR, f.studyId, 'mrn', PERSON.MRN);
      await expectTamperRefused(t.vault, found, 'participant_lookup');
    });

    it('issue #17, GDPR art. 17: a participant key changed in SQL is refused before it is unwrapped; the audited erasure is the only deletion', async () => {
      await t.vault.store.db
        .updateTable('participant_keys')
        .set({ created_at: '2000-01-01T00:00:00.000Z' })
        .where('participant_id', '=', f.participantId)
        .execute();
      t.vault.keyring.forget(f.participantId);
      const revealed = await t.vault.participants.get(CLI_ACTOR, f.participantId, { reveal: true });
      await expectTamperRefused(t.vault, revealed, 'participant_keys');
      // The audited crypto-shred deletes the key, and its event seals the deletion.
      expectOk(await t.vault.participants.erase(CLI_ACTOR, f.participantId, 'Participant request'));
      const erase = await t.vault.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'participant.erase')
        .executeTakeFirstOrThrow();
      const seals = JSON.parse(erase.row_seals ?? '[]') as [string, unknown[], string | null][];
      expect(seals.find((s) => s[0] === 'participant_keys')?.[2]).toBeNull();
      expect(seals.filter((s) => s[0] === 'participant_lookup').every((s) => s[2] === null)).toBe(true);
      expect(seals.filter((s) => s[0] === 'participant_lookup').length).toBeGreaterThan(0);
    });
  });
}
