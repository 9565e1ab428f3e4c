import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/clock.js';
import { enrolledDevice, heartRate } from '../../test/support/devices.js';
import { enrollWithDemographics, seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { expectOk } from '../core/result.js';

for (const dialect of DIALECTS) {
  describe(`trialvault verify: device uploads (${dialect})`, () => {
    let t: TestVault;
    let uploads: string[];
    beforeEach(async () => {
      const clock = new TestClock();
      t = await freshVault(dialect, { clock });
      const study = await seedStudy(t.vault);
      const { participant } = await enrollWithDemographics(t.vault, study.id, 'S01');
      const { client } = await enrolledDevice(t.vault, participant.id);
      uploads = [];
      for (let i = 0; i < 3; i++) {
        clock.time += 10_000;
        const receipt = expectOk(
          await t.vault.telemetry.ingest(client.upload(heartRate(clock.time, 10), clock.time), {
            studyId: study.id,
            participantId: participant.id,
          }),
        );
        uploads.push(receipt.uploadId);
      }
    });
    afterEach(async () => t.cleanup());

    const findings = async () =>
      (await t.vault.ledger.verify()).findings
        .filter((f) => f.table.startsWith('telemetry'))
        .map((f) => f.kind);

    it('an untouched store verifies, and counts its uploads', async () => {
      const report = await t.vault.ledger.verify();
      expect(report.ok).toBe(true);
      expect(report.counts['device uploads']).toBe(3);
    });

    it('21 CFR 11.10(e): a changed upload, a dropped block, a forged upload and a deleted one are found', async () => {
      const db = t.vault.store.db;
      const [a, b, c] = uploads as [string, string, string];
      await db
        .updateTable('telemetry_uploads')
        .set({ quarantined: 0, sample_count: 9 })
        .where('id', '=', a)
        .execute();
      await db.deleteFrom('telemetry_blocks').where('upload_id', '=', b).execute();
      const row = await db
        .selectFrom('telemetry_uploads')
        .selectAll()
        .where('id', '=', c)
        .executeTakeFirstOrThrow();
      await db.deleteFrom('telemetry_blocks').where('upload_id', '=', c).execute();
      await db.deleteFrom('telemetry_uploads').where('id', '=', c).execute();
      await db
        .insertInto('telemetry_uploads')
        .values({ ...row, id: `${c.slice(0, -4)}ffff`, content_mac: Buffer.alloc(32, 1) })
        .execute();
      const kinds = await findings();
      // a: the upload differs from its event, and its blocks from the upload. b: its blocks are gone.
      // c: deleted (its event remains); the forged row: no event accepted it, and it has no blocks.
      expect(kinds.sort()).toEqual(['deleted', 'deleted', 'deleted', 'inserted', 'modified', 'modified']);
      expect((await t.vault.ledger.verify()).ok).toBe(false);
    });

    it('21 CFR 11.10(e), issue #17: the columns the event does not name (send time, content MAC, flags) and a block swapped between uploads are found by their digests', async () => {
      const db = t.vault.store.db;
      const [a, b, c] = uploads as [string, string, string];
      await db.updateTable('telemetry_uploads').set({ sent_ms: 1 }).where('id', '=', a).execute();
      await db
        .updateTable('telemetry_uploads')
        .set({ flags: '["CLOCK_SKEW"]' })
        .where('id', '=', b)
        .execute();
      const blocks = await db
        .selectFrom('telemetry_blocks')
        .selectAll()
        .where('upload_id', 'in', [b, c])
        .execute();
      const [first, second] = blocks;
      if (first === undefined || second === undefined) throw new Error('two blocks expected');
      // Same counts, the other upload's ciphertext: invisible to the sums, not to the digest.
      await db
        .updateTable('telemetry_blocks')
        .set({ sealed: second.sealed })
        .where('upload_id', '=', first.upload_id)
        .execute();
      await db
        .updateTable('telemetry_blocks')
        .set({ sealed: first.sealed })
        .where('upload_id', '=', second.upload_id)
        .execute();
      const found = (await t.vault.ledger.verify()).findings.map((f) => `${f.table} ${f.row} ${f.kind}`);
      expect(found.sort()).toEqual(
        [
          `telemetry_uploads upload ${a} modified`,
          `telemetry_uploads upload ${b} modified`,
          `telemetry_blocks blocks of upload ${b} modified`,
          `telemetry_blocks blocks of upload ${c} modified`,
        ].sort(),
      );
    });
  });
}
