import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { DeviceClient } from '../../src/devices/device-client.js';
import { DbaStore } from '../support/dba.js';
import { enrolledDevice, heartRate } from '../support/devices.js';
import { DIALECTS } from '../support/stores.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Review s13 (H2, fixed): a device's status change checks the device row before its transaction
 * (`deviceInScope`), then updates it and reseals it from the row as stored (`sealRows` reads back and
 * seals whatever is there, unchecked). A public key replaced in SQL while the change is in flight is
 * sealed by the change's event: the database administrator's key then signs telemetry accepted as the
 * participant's (threat-model: "a forged row is never resealed"). The same read-back reseal follows an
 * unchecked or out-of-transaction read in studies/service.ts (setStatus, editStudy, editSite).
 * Fixed: the row is read again inside the transaction, locked, and checked before it is changed and
 * sealed (`rowForChange`, authz/tamper-in-tx.ts).
 */
for (const dialect of DIALECTS) {
  describe(`issue #17 / review s13: a device key forged in SQL during a status change is never sealed (${dialect})`, () => {
    it("no interleaving lets the administrator's key upload telemetry for the participant", async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const browser = await s.browser(pi);
        const p = await s.participant('S01');
        const evil = DeviceClient.generateKey('EdDSA');
        const evilRaw = Buffer.from(DeviceClient.publicKey('EdDSA', evil), 'base64url');
        const won: number[] = [];
        for (let delay = 0; delay < 16 && won.length === 0; delay++) {
          const { device, enrollment } = await enrolledDevice(s.vault, p.id, 'EdDSA', ['heart_rate']);
          const moving = s.call(browser, 'POST', `/api/v1/devices/${device.id}/status`, {
            status: 'suspended',
            reason: 'Battery check',
          });
          for (let i = 0; i < delay; i++) await tick();
          await s.sql(async (db) => {
            await db.run('update devices set public_key = ? where id = ?', evilRaw, device.id);
          });
          if ((await moving).status !== 200) continue;
          // Resumed through the checked path: the forged key now carries a valid MAC.
          const resumed = await s.vault.devices.setStatus(CLI_ACTOR, device.id, {
            status: 'active',
            reason: 'Battery fine',
          });
          if (!resumed.ok) continue;
          const client = new DeviceClient({ ...enrollment, alg: 'EdDSA', privateKey: evil });
          const now = s.clock.now().getTime();
          const upload = await s.app.inject({
            method: 'POST',
            url: `/api/v1/telemetry?study=${s.study.id}&participant=${p.id}`,
            headers: { 'content-type': 'application/cose' },
            payload: Buffer.from(client.upload(heartRate(now, 20), now)),
          });
          if (upload.statusCode === 202) won.push(delay);
        }
        expect(won, "delays at which the administrator's key was sealed and accepted").toEqual([]);
      }));
  });
}
