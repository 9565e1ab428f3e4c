import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/clock.js';
import { enrolledDevice, heartRate } from '../../test/support/devices.js';
import { enrollWithDemographics, seedStudy } from '../../test/support/fixtures.js';
import { expectTamperRefused } from '../../test/support/row-tamper.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { DeviceClient } from './device-client.js';

for (const dialect of DIALECTS) {
  describe(`device rows checked on read (${dialect})`, () => {
    let t: TestVault;
    let clock: TestClock;
    let f: { studyId: string; participantId: string };
    beforeEach(async () => {
      clock = new TestClock();
      t = await freshVault(dialect, { clock });
      const study = await seedStudy(t.vault);
      const { participant } = await enrollWithDemographics(t.vault, study.id);
      f = { studyId: study.id, participantId: participant.id };
    });
    afterEach(async () => t.cleanup());

    const upload = (bytes: Uint8Array) => t.vault.telemetry.ingest(bytes, f);

    it('issue #17: a device revoked, then un-revoked in SQL, accepts no upload (ROW_TAMPERED, reported)', async () => {
      const { device, client } = await enrolledDevice(t.vault, f.participantId);
      expectOk(await upload(client.upload(heartRate(clock.time, 5), clock.time)));
      expectOk(await t.vault.devices.setStatus(CLI_ACTOR, device.id, { status: 'revoked', reason: 'Lost' }));
      await t.vault.store.db
        .updateTable('devices')
        .set({ status: 'active' })
        .where('id', '=', device.id)
        .execute();
      clock.advance(1);
      await expectTamperRefused(
        t.vault,
        await upload(client.upload(heartRate(clock.time, 5), clock.time)),
        'devices',
      );
      const stored = await t.vault.store.db.selectFrom('telemetry_uploads').selectAll().execute();
      expect(stored).toHaveLength(1);
    });

    it("issue #17: a device whose public key was replaced in SQL accepts no upload signed by the attacker's key", async () => {
      const { device, client } = await enrolledDevice(t.vault, f.participantId);
      const attacker = DeviceClient.generateKey('EdDSA');
      await t.vault.store.db
        .updateTable('devices')
        .set({ public_key: Buffer.from(DeviceClient.publicKey('EdDSA', attacker), 'base64url') })
        .where('id', '=', device.id)
        .execute();
      const forged = new DeviceClient({ ...client.identity, privateKey: attacker });
      await expectTamperRefused(
        t.vault,
        await upload(forged.upload(heartRate(clock.time, 5), clock.time)),
        'devices',
      );
      expect(await t.vault.store.db.selectFrom('telemetry_uploads').selectAll().execute()).toHaveLength(0);
      // The device's own listing refuses the row too.
      const listed = await t.vault.devices.list(CLI_ACTOR, f.participantId);
      expect(listed.ok ? 'listed' : listed.error.code).toBe('ROW_TAMPERED');
    });

    it('issue #17: plausibility limits rewritten in SQL are never applied: uploads and the policy read are refused', async () => {
      const { client } = await enrolledDevice(t.vault, f.participantId);
      expectOk(
        await t.vault.series.setPolicy(CLI_ACTOR, f.studyId, {
          overrides: { heart_rate: { min: 40, max: 150 } },
          reason: 'Study protocol limits',
        }),
      );
      await t.vault.store.db
        .updateTable('telemetry_policies')
        .set({ policy: JSON.stringify({ heart_rate: { min: 0, max: 1000 } }) })
        .where('study_id', '=', f.studyId)
        .execute();
      const refused = await upload(client.upload(heartRate(clock.time, 5), clock.time));
      await expectTamperRefused(t.vault, refused, 'telemetry_policies');
      const read = await t.vault.series.policy(CLI_ACTOR, f.studyId);
      expect(read.ok ? 'read' : read.error.code).toBe('ROW_TAMPERED');
    });
  });
}
