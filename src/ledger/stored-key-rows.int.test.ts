import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollWithDemographics, PERSON, seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { PARTICIPANT_LOOKUP } from '../participants/participants-bindings.js';
import { rowMacHolds, type SealedRow } from './row-seal.js';
import { parseRowSeals } from './row-seal-store.js';

/**
 * A lookup token every record of a participant carries is written and sealed once: later records
 * leave a stored token as it is (PendingInserts.flush with `keep`, appendAuditEvents), so one whose MAC
 * was broken in SQL is never blessed by a later record: it stays refused and named by verify (issue #17).
 */
for (const dialect of DIALECTS) {
  describe(`stored lookup tokens are not sealed again (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    const tokens = async (participantId: string) =>
      (await t.vault.store.db
        .selectFrom('participant_lookup')
        .selectAll()
        .where('participant_id', '=', participantId)
        .orderBy('kind')
        .execute()) as unknown as SealedRow[];

    const sealedTables = async (recordId: string) => {
      const event = await t.vault.store.db
        .selectFrom('audit_events')
        .select('row_seals')
        .where('record_id', '=', recordId)
        .where('action', '=', 'record.create')
        .executeTakeFirstOrThrow();
      return parseRowSeals(event.row_seals).map(([table]) => table);
    };

    it('issue #17: later records leave a sound token as it is; verify and lookups still hold', async () => {
      const study = await seedStudy(t.vault);
      const { participant } = await enrollWithDemographics(t.vault, study.id);
      const before = await tokens(participant.id);
      expect(before.length).toBeGreaterThan(0);
      const items = ['FOLLOW-UP', 'CLOSE-OUT'].map((visit) => ({
        participantId: participant.id,
        form: 'DEMOG',
        visit,
        values: PERSON,
      }));
      const created = expectOk(await t.vault.records.createMany(CLI_ACTOR, items));
      const single = expectOk(
        await t.vault.records.create(CLI_ACTOR, { ...items[0], visit: 'EXTRA', values: PERSON } as never),
      );
      // The same rows, the same row_seq and MAC: nothing rewritten, nothing sealed again.
      expect(await tokens(participant.id)).toEqual(before);
      for (const record of [...created, single]) {
        expect(await sealedTables(record.id)).toEqual(['records', 'record_versions']);
      }
      const found = expectOk(await t.vault.participants.lookup(CLI_ACTOR, study.id, 'mrn', PERSON.MRN));
      expect(found.map((p) => p.id)).toEqual([participant.id]);
      expect((await t.vault.ledger.verify()).ok).toBe(true);
    });

    it('issue #17, 21 CFR 11.10(c): a stored token whose MAC fails is never blessed by a later record that carries it', async () => {
      const study = await seedStudy(t.vault);
      const { participant } = await enrollWithDemographics(t.vault, study.id);
      const mrn = (await tokens(participant.id)).find((r) => r.kind === 'mrn');
      if (mrn === undefined) throw new Error('no MRN token');
      // The database administrator breaks the MRN token's MAC.
      await sql`update participant_lookup set row_mac = ${Buffer.alloc(32)} where token = ${mrn.token} and kind = 'mrn'`.execute(
        t.vault.store.db,
      );
      const record = expectOk(
        await t.vault.records.create(CLI_ACTOR, {
          participantId: participant.id,
          form: 'DEMOG',
          visit: 'FOLLOW-UP',
          values: PERSON,
        }),
      );
      const after = (await tokens(participant.id)).find((r) => r.kind === 'mrn');
      if (after === undefined) throw new Error('token gone');
      // Left as the administrator made it: not sealed by the new record's event, still refused.
      expect(rowMacHolds(t.vault.keyring, PARTICIPANT_LOOKUP, after)).toBe(false);
      expect(after.row_seq).toEqual(mrn.row_seq);
      expect(await sealedTables(record.id)).toEqual(['records', 'record_versions']);
      const lookup = await t.vault.participants.lookup(CLI_ACTOR, study.id, 'mrn', PERSON.MRN);
      expect(lookup.ok ? 'found' : lookup.error.code).toBe('ROW_TAMPERED');
      const report = await t.vault.ledger.verify();
      expect(report.ok).toBe(false);
      expect(report.findings.map((f) => f.table)).toContain('participant_lookup');
    });
  });
}
