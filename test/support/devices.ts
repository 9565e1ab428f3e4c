import type { Vault } from '../../src/app/vault.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DeviceClient } from '../../src/devices/device-client.js';
import type { MetricName } from '../../src/devices/metrics.js';
import type { Sample } from '../../src/devices/telemetry-message.js';
import type { Dialect } from '../../src/storage/dialect.js';
import { TestClock } from './clock.js';
import { enrollWithDemographics, PERSON, seedStudy } from './fixtures.js';
import { freshVault, type TestVault } from './stores.js';

export const ALL_METRICS: MetricName[] = ['heart_rate', 'spo2', 'glucose', 'temperature', 'steps'];

/** A device registered by the operator and enrolled with a fresh key: its reference client. */
export async function enrolledDevice(
  vault: Vault,
  participantId: string,
  alg: 'EdDSA' | 'ES256' = 'EdDSA',
  metrics: MetricName[] = ALL_METRICS,
) {
  const { device, enrollmentCode } = expectOk(
    await vault.devices.register(CLI_ACTOR, participantId, {
      model: 'Test watch',
      serial: `SN-${Math.random().toString(36).slice(2, 10)}`,
      firmware: '2.1.0',
      metrics,
    }),
  );
  const privateKey = DeviceClient.generateKey(alg);
  const enrollment = expectOk(
    await vault.devices.enroll({
      code: enrollmentCode,
      alg,
      publicKey: DeviceClient.publicKey(alg, privateKey),
    }),
  );
  return { device, client: new DeviceClient({ ...enrollment, alg, privateKey }), enrollment, privateKey };
}

/** `n` seconds of a plausible heart rate (1 Hz) ending at `end`, varying like a real one. */
export function heartRate(end: number, n: number, base = 72): Sample[] {
  return Array.from({ length: n }, (_, i) => ({
    metric: 'heart_rate' as const,
    at: end - (n - 1 - i) * 1000,
    value: base + Math.round(6 * Math.sin((end / 1000 + i) / 17)),
  }));
}

export interface TelemetryStudy {
  readonly studyId: string;
  readonly participantId: string;
  readonly otherParticipantId: string;
}

/** A fresh store on a test clock with a study and two participants at different sites (telemetry tests). */
export async function telemetryStudy(
  dialect: Dialect,
): Promise<{ t: TestVault; clock: TestClock; f: TelemetryStudy }> {
  const clock = new TestClock();
  const t = await freshVault(dialect, { clock });
  const study = await seedStudy(t.vault);
  const one = await enrollWithDemographics(t.vault, study.id, 'S01');
  const two = await enrollWithDemographics(t.vault, study.id, 'S02', { ...PERSON, MRN: 'MRN-2222-BB' });
  return {
    t,
    clock,
    f: { studyId: study.id, participantId: one.participant.id, otherParticipantId: two.participant.id },
  };
}
