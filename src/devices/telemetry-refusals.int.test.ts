import { Ed25519Key } from '@ldclabs/cose-ts/ed25519';
import { Header } from '@ldclabs/cose-ts/header';
import * as iana from '@ldclabs/cose-ts/iana';
import { Sign1Message } from '@ldclabs/cose-ts/sign1';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestClock } from '../../test/support/clock.js';
import {
  enrolledDevice,
  heartRate,
  type TelemetryStudy,
  telemetryStudy,
} from '../../test/support/devices.js';
import { DIALECTS, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk, type Result } from '../core/result.js';
import { encode, Tagged } from './cbor.js';
import { ALG, signSign1 } from './cose-sign1.js';
import { DeviceClient } from './device-client.js';
import { encodeMessage, externalAad } from './telemetry-message.js';
import type { Receipt } from './telemetry-service.js';

const reasonOf = (r: Result<Receipt>) =>
  r.ok ? 'ACCEPTED' : String(r.error.details?.reason ?? r.error.code);

for (const dialect of DIALECTS) {
  describe(`telemetry ingestion: enrollment and refusals (${dialect})`, () => {
    let t: TestVault;
    let clock: TestClock;
    let f: TelemetryStudy;
    beforeEach(async () => {
      ({ t, clock, f } = await telemetryStudy(dialect));
    });
    afterEach(async () => t.cleanup());

    const target = () => ({ studyId: f.studyId, participantId: f.participantId });
    const send = (bytes: Uint8Array, to = target()) => t.vault.telemetry.ingest(bytes, to);

    it('enrollment: a one-time code, spent once; unknown and expired codes look alike', async () => {
      const { device, enrollmentCode } = expectOk(
        await t.vault.devices.register(CLI_ACTOR, f.participantId, {
          model: 'Watch',
          serial: 'SN-1234-XYZ',
          firmware: '1.0',
          metrics: ['heart_rate'],
        }),
      );
      expect(device.status).toBe('pending');
      expect(Buffer.from(enrollmentCode.slice(4), 'base64url').length).toBeGreaterThanOrEqual(16);
      const key = DeviceClient.generateKey('ES256');
      const request = { code: enrollmentCode, alg: 'ES256', publicKey: DeviceClient.publicKey('ES256', key) };
      const enrolled = expectOk(await t.vault.devices.enroll(request));
      expect(enrolled).toMatchObject({
        deviceId: device.id,
        studyId: f.studyId,
        participantId: f.participantId,
      });
      const again = await t.vault.devices.enroll(request);
      expect(again.ok ? null : again.error.code).toBe('UNAUTHENTICATED');
      const late = expectOk(
        await t.vault.devices.register(CLI_ACTOR, f.participantId, {
          model: 'Watch',
          serial: 'SN-5',
          firmware: '1.0',
          metrics: ['heart_rate'],
        }),
      );
      clock.advance(24 * 60 + 1);
      const expired = await t.vault.devices.enroll({ ...request, code: late.enrollmentCode });
      expect(expired.ok ? null : expired.error.code).toBe('UNAUTHENTICATED');
      const rows = await t.vault.store.db
        .selectFrom('audit_events')
        .select('action')
        .where('action', 'like', 'device.%')
        .execute();
      expect(rows.map((r) => r.action).sort()).toEqual([
        'device.enroll',
        'device.register',
        'device.register',
      ]);
    });

    it('accepts an upload made by an independent RFC 9052 implementation; the same bytes again are a REPLAY; a flipped byte is SIGNATURE_INVALID; another participant is WRONG_PARTICIPANT', async () => {
      const { enrollment } = await (async () => {
        const secret = new Uint8Array(32).fill(7);
        const key = Ed25519Key.fromSecret(secret);
        const { device, enrollmentCode } = expectOk(
          await t.vault.devices.register(CLI_ACTOR, f.participantId, {
            model: 'Independent',
            serial: 'SN-IND',
            firmware: '1.0',
            metrics: ['heart_rate'],
          }),
        );
        const enrollment = expectOk(
          await t.vault.devices.enroll({
            code: enrollmentCode,
            alg: 'EdDSA',
            publicKey: Buffer.from(key.getPublicKey()).toString('base64url'),
          }),
        );
        return { device, enrollment, key };
      })();
      const key = Ed25519Key.fromSecret(new Uint8Array(32).fill(7));
      const payload = encodeMessage({
        device: enrollment.deviceId,
        boot: 1,
        seq: 0,
        prev: new Uint8Array(32),
        sent: clock.time,
        samples: heartRate(clock.time, 30),
      });
      // The package's typings lose its base class under NodeNext resolution; the method is there.
      const protectedHeader = new Header();
      const params = protectedHeader as unknown as { setParam(label: number, value: unknown): void };
      params.setParam(iana.HeaderParameterAlg, iana.AlgorithmEdDSA);
      params.setParam(iana.HeaderParameterKid, Buffer.from(enrollment.deviceId));
      const untagged = new Sign1Message(payload, protectedHeader, new Header()).toBytes(
        key,
        externalAad(enrollment.studyId, enrollment.participantId, enrollment.audience),
      );
      const bytes = Sign1Message.withTag(untagged);
      const accepted = await send(bytes);
      expect(reasonOf(accepted)).toBe('ACCEPTED');
      expect(reasonOf(await send(bytes))).toBe('REPLAY');
      const flipped = Uint8Array.from(bytes);
      flipped[flipped.length - 10] = (flipped[flipped.length - 10] ?? 0) ^ 1;
      expect(reasonOf(await send(flipped))).toBe('SIGNATURE_INVALID');
      expect(reasonOf(await send(bytes, { studyId: f.studyId, participantId: f.otherParticipantId }))).toBe(
        'WRONG_PARTICIPANT',
      );
    });

    it('refuses each malformed upload with its own reason, before looking further', async () => {
      const { client } = await enrolledDevice(t.vault, f.participantId);
      const good = client.upload(heartRate(clock.time, 10), clock.time);
      expect(reasonOf(await send(new Uint8Array(300 * 1024)))).toBe('TOO_LARGE');
      // A non-shortest integer: the same value, another encoding.
      expect(reasonOf(await send(Buffer.from('d2841800', 'hex')))).toBe('CBOR_INVALID');
      expect(reasonOf(await send(good.subarray(1)))).toBe('COSE_INVALID');
      const crit = encode(
        new Tagged(18, [
          encode(
            new Map<number, never>([
              [1, -8 as never],
              [2, [77] as never],
            ]),
          ),
          new Map(),
          new Uint8Array(1),
          new Uint8Array(64),
        ]),
      );
      expect(reasonOf(await send(crit))).toBe('CRIT_UNKNOWN');
      const rsa = encode(
        new Tagged(18, [encode(new Map([[1, -257]])), new Map(), new Uint8Array(1), new Uint8Array(64)]),
      );
      expect(reasonOf(await send(rsa))).toBe('ALG_UNSUPPORTED');
      const stranger = new DeviceClient({
        ...client.identity,
        deviceId: '01a00000-0000-7000-8000-000000000000',
      });
      expect(reasonOf(await send(stranger.upload(heartRate(clock.time, 5), clock.time)))).toBe(
        'DEVICE_UNKNOWN',
      );
      const forged = new DeviceClient({ ...client.identity, privateKey: DeviceClient.generateKey('EdDSA') });
      expect(reasonOf(await send(forged.upload(heartRate(clock.time, 5), clock.time)))).toBe(
        'SIGNATURE_INVALID',
      );
      expect(reasonOf(await send(good))).toBe('ACCEPTED');
    });

    it('PAYLOAD_INVALID: a signed payload that breaks the format, names another device or an unregistered metric', async () => {
      const { client } = await enrolledDevice(t.vault, f.participantId, 'EdDSA', ['heart_rate']);
      const aad = externalAad(
        client.identity.studyId,
        client.identity.participantId,
        client.identity.audience,
      );
      const signed = (payload: Uint8Array) =>
        signSign1(client.identity.privateKey, ALG.EdDSA, Buffer.from(client.identity.deviceId), payload, aad);
      const base = {
        boot: 1,
        seq: 0,
        prev: new Uint8Array(32),
        sent: clock.time,
        samples: heartRate(clock.time, 3),
      };
      expect(reasonOf(await send(signed(encode(new Map([['v', 1]])))))).toBe('PAYLOAD_INVALID');
      expect(reasonOf(await send(signed(encodeMessage({ ...base, device: 'another-device' }))))).toBe(
        'PAYLOAD_INVALID',
      );
      const glucose = [{ metric: 'glucose' as const, at: clock.time, value: 100 }];
      expect(
        reasonOf(
          await send(signed(encodeMessage({ ...base, device: client.identity.deviceId, samples: glucose }))),
        ),
      ).toBe('PAYLOAD_INVALID');
      expect(reasonOf(await send(signed(encodeMessage({ ...base, device: client.identity.deviceId }))))).toBe(
        'ACCEPTED',
      );
    });

    it('device status: pending, suspended and revoked devices are refused with their reason', async () => {
      const pending = expectOk(
        await t.vault.devices.register(CLI_ACTOR, f.participantId, {
          model: 'W',
          serial: 'S',
          firmware: '1',
          metrics: ['heart_rate'],
        }),
      );
      const { client, device } = await enrolledDevice(t.vault, f.participantId);
      const ghost = new DeviceClient({ ...client.identity, deviceId: pending.device.id });
      expect(reasonOf(await send(ghost.upload(heartRate(clock.time, 5), clock.time)))).toBe('DEVICE_PENDING');
      expectOk(
        await t.vault.devices.setStatus(CLI_ACTOR, device.id, {
          status: 'suspended',
          reason: 'Lost, then found',
        }),
      );
      expect(reasonOf(await send(client.upload(heartRate(clock.time, 5), clock.time)))).toBe(
        'DEVICE_SUSPENDED',
      );
      expectOk(
        await t.vault.devices.setStatus(CLI_ACTOR, device.id, {
          status: 'active',
          reason: 'Back with the participant',
        }),
      );
      expect(reasonOf(await send(client.upload(heartRate(clock.time, 5), clock.time)))).toBe('ACCEPTED');
      expectOk(
        await t.vault.devices.setStatus(CLI_ACTOR, device.id, {
          status: 'revoked',
          reason: 'Key compromised',
        }),
      );
      expect(reasonOf(await send(client.upload(heartRate(clock.time, 5), clock.time)))).toBe(
        'DEVICE_REVOKED',
      );
      const back = await t.vault.devices.setStatus(CLI_ACTOR, device.id, {
        status: 'active',
        reason: 'Try again',
      });
      expect(back.ok ? null : back.error.code).toBe('CONFLICT');
    });
  });
}
