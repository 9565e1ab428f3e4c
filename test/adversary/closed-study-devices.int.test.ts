import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DeviceClient } from '../../src/devices/device-client.js';
import { DbaStore } from '../support/dba.js';
import { heartRate } from '../support/devices.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s13 (H7): a closed study is final (docs/architecture.md), yet a device could be registered
 * and enrolled in it, telemetry uploaded, and its telemetry policy changed. Each is refused now.
 */
for (const dialect of DIALECTS) {
  describe(`review s13: a closed study takes no device nor policy (${dialect})`, () => {
    it('a closed study takes no new device, enrolment nor telemetry upload (docs/architecture.md: a closed study is final)', async () =>
      DbaStore.with(dialect, async (s) => {
        const p = await s.participant('S01');
        expectOk(await s.vault.studies.setStatus(CLI_ACTOR, s.study.id, 'closed', 'Ended'));
        const registered = await s.vault.devices.register(CLI_ACTOR, p.id, {
          model: 'Watch',
          serial: 'SN-CLOSED-1',
          firmware: '1.0',
          metrics: ['heart_rate'],
        });
        // What a closed study is promised to do: refuse (STUDY_CLOSED).
        const registeredCode = registered.ok ? 'accepted' : registered.error.code;
        let uploadStatus = 0;
        if (registered.ok) {
          const key = DeviceClient.generateKey('EdDSA');
          const enrolled = await s.app.inject({
            method: 'POST',
            url: '/api/v1/devices/enroll',
            payload: {
              code: registered.value.enrollmentCode,
              alg: 'EdDSA',
              publicKey: DeviceClient.publicKey('EdDSA', key),
            },
          });
          if (enrolled.statusCode === 200) {
            const client = new DeviceClient({ ...enrolled.json(), alg: 'EdDSA', privateKey: key });
            const now = s.clock.now().getTime();
            const upload = await s.app.inject({
              method: 'POST',
              url: `/api/v1/telemetry?study=${s.study.id}&participant=${p.id}`,
              headers: { 'content-type': 'application/cose' },
              payload: Buffer.from(client.upload(heartRate(now, 30), now)),
            });
            uploadStatus = upload.statusCode;
          }
        }
        expect({ registeredCode, uploadStatus }).toEqual({ registeredCode: 'STUDY_CLOSED', uploadStatus: 0 });
      }));

    it('a device enrolled while the study was live uploads nothing once it is closed (STUDY_CLOSED, 422)', async () =>
      DbaStore.with(dialect, async (s) => {
        const p = await s.participant('S01');
        const registered = expectOk(
          await s.vault.devices.register(CLI_ACTOR, p.id, {
            model: 'Watch',
            serial: 'SN-CLOSED-2',
            firmware: '1.0',
            metrics: ['heart_rate'],
          }),
        );
        const key = DeviceClient.generateKey('EdDSA');
        const enrolled = await s.app.inject({
          method: 'POST',
          url: '/api/v1/devices/enroll',
          payload: {
            code: registered.enrollmentCode,
            alg: 'EdDSA',
            publicKey: DeviceClient.publicKey('EdDSA', key),
          },
        });
        expect(enrolled.statusCode).toBe(200);
        const client = new DeviceClient({ ...enrolled.json(), alg: 'EdDSA', privateKey: key });
        const send = async () => {
          const now = s.clock.now().getTime();
          return s.app.inject({
            method: 'POST',
            url: `/api/v1/telemetry?study=${s.study.id}&participant=${p.id}`,
            headers: { 'content-type': 'application/cose' },
            payload: Buffer.from(client.upload(heartRate(now, 30), now)),
          });
        };
        expect((await send()).statusCode).toBe(202);
        expectOk(await s.vault.studies.setStatus(CLI_ACTOR, s.study.id, 'closed', 'Ended'));
        s.clock.advance(1);
        const after = await send();
        expect(after.statusCode).toBe(422);
        expect(after.json().error.details.reason).toBe('STUDY_CLOSED');
        const uploads = await s.vault.store.db
          .selectFrom('telemetry_uploads')
          .select('id')
          .where('device_id', '=', registered.device.id)
          .execute();
        expect(uploads).toHaveLength(1);
      }));

    it('a closed study takes no telemetry policy change (study configuration, like its schedule)', async () =>
      DbaStore.with(dialect, async (s) => {
        expectOk(await s.vault.studies.setStatus(CLI_ACTOR, s.study.id, 'closed', 'Ended'));
        const set = await s.vault.series.setPolicy(CLI_ACTOR, s.study.id, {
          overrides: { heart_rate: { min: 10, max: 400 } },
          reason: 'after close',
        });
        expect(set.ok ? 'accepted' : set.error.code).toBe('STUDY_CLOSED');
      }));
  });
}
