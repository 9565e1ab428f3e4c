import { afterEach, beforeEach, describe, it } from 'vitest';
import { TestClock } from '../../test/support/clock.js';
import { enrolledDevice, heartRate } from '../../test/support/devices.js';
import { enrollWithDemographics, PERSON, seedStudy } from '../../test/support/fixtures.js';
import { expectTamperRefused } from '../../test/support/row-tamper.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { distrustRows, rowId } from '../ledger/row-trust.js';
import type { TableBinding } from '../ledger/table-binding.js';

/**
 * A row rolled back to an older copy keeps a valid MAC; the startup projection (ledger seal != the
 * latest in the ledger) puts it in the distrusted set (ledger/row-trust.ts). These tests put rows
 * there directly and show that every read path of the study data honours the set: devices, form
 * versions and key rows are refused like a bad MAC (issue #17).
 */
for (const dialect of DIALECTS) {
  describe(`distrusted rows are refused (${dialect})`, () => {
    let t: TestVault;
    let clock: TestClock;
    beforeEach(async () => {
      clock = new TestClock();
      t = await freshVault(dialect, { clock });
    });
    afterEach(async () => t.cleanup());

    const distrust = (binding: Pick<TableBinding, 'table'>, id: string) =>
      distrustRows(t.vault.store.db, [rowId(binding.table, [id])]);

    it('issue #17: an un-revoked device restored from an older row (valid MAC) accepts no upload once distrusted', async () => {
      const study = await seedStudy(t.vault);
      const { participant } = await enrollWithDemographics(t.vault, study.id);
      const { device, client } = await enrolledDevice(t.vault, participant.id);
      const active = await t.vault.store.db
        .selectFrom('devices')
        .selectAll()
        .where('id', '=', device.id)
        .executeTakeFirstOrThrow();
      expectOk(await t.vault.devices.setStatus(CLI_ACTOR, device.id, { status: 'revoked', reason: 'Lost' }));
      // The older copy of the row, MAC and all, put back in SQL.
      await t.vault.store.db.deleteFrom('devices').where('id', '=', device.id).execute();
      await t.vault.store.db.insertInto('devices').values(active).execute();
      distrust({ table: 'devices' }, device.id);
      const target = { studyId: study.id, participantId: participant.id };
      await expectTamperRefused(
        t.vault,
        await t.vault.telemetry.ingest(client.upload(heartRate(clock.time, 5), clock.time), target),
        'devices',
      );
    });

    it('issue #17: a distrusted form version and a distrusted participant key are never used', async () => {
      const study = await seedStudy(t.vault);
      const participant = expectOk(
        await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01', consentDate: '2026-01-02' }),
      );
      const version = await t.vault.store.db
        .selectFrom('form_versions')
        .innerJoin('forms', 'forms.id', 'form_versions.form_id')
        .select('form_versions.id')
        .where('forms.oid', '=', 'DEMOG')
        .executeTakeFirstOrThrow();
      distrust({ table: 'form_versions' }, version.id);
      const created = await t.vault.records.create(CLI_ACTOR, {
        participantId: participant.id,
        form: 'DEMOG',
        visit: 'SCREENING',
        values: PERSON,
      });
      await expectTamperRefused(t.vault, created, 'form_versions');
      distrust({ table: 'participant_keys' }, participant.id);
      t.vault.keyring.forget(participant.id);
      await expectTamperRefused(
        t.vault,
        await t.vault.participants.get(CLI_ACTOR, participant.id, { reveal: true }),
        'participant_keys',
      );
    });
  });
}
