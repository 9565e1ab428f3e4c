import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DeviceClient } from '../../src/devices/device-client.js';
import type { Answer } from '../support/adversary.js';
import { DbaStore } from '../support/dba.js';
import { enrolledDevice, heartRate } from '../support/devices.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Devices, telemetry policies and participant keys from the database administrator's seat (issue
 * #17). A revoked device set active again, or its public key replaced by the attacker's, uploads
 * nothing; a rewritten plausibility policy is never applied; a participant's data key deleted in SQL
 * (an erasure with no audit event) is found by verify (ASVS 9.1.1: signatures verified with trusted
 * keys; 21 CFR 11.10(a), (e); GDPR art. 17 erasure only as the audited crypto-shred).
 */
async function upload(
  s: DbaStore,
  client: DeviceClient,
  samples = heartRate(s.clock.time, 10),
): Promise<Answer> {
  const { studyId, participantId } = client.identity;
  const response = await s.app.inject({
    method: 'POST',
    url: `/api/v1/telemetry?study=${studyId}&participant=${participantId}`,
    headers: { 'content-type': 'application/cose' },
    payload: Buffer.from(client.upload(samples, s.clock.time)),
  });
  return { status: response.statusCode, body: response.json() };
}

for (const dialect of DIALECTS) {
  describe(`DBA: devices, policies and keys changed in SQL (${dialect})`, () => {
    it('ASVS 9.1.1 / 21 CFR 11.10(d): a revoked device set active again in SQL uploads nothing', async () =>
      DbaStore.with(dialect, async (s) => {
        const p = await s.participant('S01');
        const { device, client } = await enrolledDevice(s.vault, p.id, 'EdDSA', ['heart_rate']);
        expect((await upload(s, client)).status).toBe(202);
        expectOk(
          await s.vault.devices.setStatus(CLI_ACTOR, device.id, {
            status: 'revoked',
            reason: 'Reported lost',
          }),
        );
        await s.tamper(async (db) => {
          const changed = await db.run(
            `update devices set status = 'active', status_reason = null where id = ?`,
            device.id,
          );
          expect(changed).toBe(1);
        });
        const answer = await upload(s, client);
        expect(answer.status).not.toBe(202);
        await s.expectRefused(answer, 'devices');
        await s.expectFound('devices');
      }));

    it("ASVS 9.1.1 / 21 CFR 11.10(a): a device's public key replaced in SQL: uploads signed with the attacker's key are refused", async () =>
      DbaStore.with(dialect, async (s) => {
        const p = await s.participant('S01');
        const { device, client } = await enrolledDevice(s.vault, p.id, 'EdDSA', ['heart_rate']);
        expect((await upload(s, client)).status).toBe(202);
        const attackerKey = DeviceClient.generateKey('EdDSA');
        const raw = Buffer.from(DeviceClient.publicKey('EdDSA', attackerKey), 'base64url');
        await s.tamper(async (db) => {
          expect(await db.run('update devices set public_key = ? where id = ?', raw, device.id)).toBe(1);
        });
        const forger = new DeviceClient(
          { ...client.identity, privateKey: attackerKey },
          { boot: client.boot, seq: client.seq, prev: client.prev },
        );
        const answer = await upload(s, forger);
        expect(answer.status).not.toBe(202);
        await s.expectRefused(answer, 'devices');
        await s.expectFound('devices');
      }));

    it('21 CFR 11.10(a) / ICH E6(R3) 4.2.2: a telemetry policy rewritten in SQL (plausibility limits widened) is never applied', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const admin = await s.person('study_admin');
        const browser = await s.browser(admin);
        const set = await s.call(browser, 'PUT', `/api/v1/studies/${s.study.id}/telemetry-policy`, {
          overrides: { heart_rate: { max: 200 } },
          reason: 'Protocol amendment 2: resting cohort',
        });
        expect(set.status, JSON.stringify(set.body)).toBe(200);
        await s.tamper(async (db) => {
          const policy = JSON.stringify({ heart_rate: { min: 0, max: 5000 } });
          expect(
            await db.run('update telemetry_policies set policy = ? where study_id = ?', policy, s.study.id),
          ).toBe(1);
        });
        const read = await s.as(pi, 'GET', `/api/v1/studies/${s.study.id}/telemetry-policy`);
        expect(read.body?.heart_rate?.max).not.toBe(5000);
        await s.expectRefused(read, 'telemetry_policies');
        await s.expectFound('telemetry_policies');
      }));

    it("GDPR art. 17 / 21 CFR 11.10(e): a participant's data key deleted in SQL (an unaudited crypto-shred) is found by verify", async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        await s.tamper(async (db) => {
          expect(await db.run('delete from participant_keys where participant_id = ?', p.id)).toBe(1);
        });
        const read = await s.as(pi, 'GET', `/api/v1/records/${p.demog}?reveal=true`);
        expect(read.status).not.toBe(200);
        await s.expectFound('participant_keys');
      }));
  });
}
