import { randomUUID } from 'node:crypto';
import { DeviceClient, type DeviceIdentity } from './device-client.js';
import type { Sample } from './telemetry-message.js';

export const MODES = [
  'honest',
  'forge',
  'replay',
  'reorder',
  'backdate',
  'spike',
  'flatline',
  'wrong-participant',
  'revoked',
] as const;
export type Mode = (typeof MODES)[number];

/** What each attack must produce (docs/telemetry.md): the simulator checks it and says so. */
export const EXPECTED: Record<Mode, string> = {
  honest: 'every upload accepted, no flags',
  forge: 'every upload refused SIGNATURE_INVALID',
  replay: 'every original accepted, every resend refused REPLAY',
  reorder: 'every upload accepted; swapped ones flagged CHAIN_GAP and OUT_OF_ORDER',
  backdate: 'every upload refused CLOCK_SKEW',
  spike: 'every upload accepted with its spike quarantined RANGE',
  flatline: 'accepted, the flat heart rate quarantined FLATLINE',
  'wrong-participant': 'every upload refused WRONG_PARTICIPANT',
  revoked: 'every upload refused DEVICE_REVOKED',
};

export interface Summary {
  mode: Mode;
  deviceId: string;
  participantId: string;
  uploads: number;
  samples: number;
  accepted: number;
  refused: Record<string, number>;
  flagged: Record<string, number>;
  quarantinedSamples: number;
  expected: string;
  ok: boolean;
}

/** A deterministic pseudo-random sequence (simulated physiology, not security). */
function noise(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % 1000) / 1000;
  };
}

/** One simulated minute ending at `end`: heart rate and SpO2 at 1 Hz, temperature and steps, glucose every 5 min. */
export function minuteOfData(end: number, minute: number, metrics: ReadonlySet<string>): Sample[] {
  const r = noise(minute * 7919 + 17);
  const out: Sample[] = [];
  for (let i = 0; i < 60; i++) {
    const at = end - (59 - i) * 1000;
    const t = at / 1000;
    if (metrics.has('heart_rate'))
      out.push({ metric: 'heart_rate', at, value: Math.round(72 + 8 * Math.sin(t / 300) + 3 * r()) });
    if (metrics.has('spo2')) out.push({ metric: 'spo2', at, value: Math.round(96 + 2 * r()) });
  }
  if (metrics.has('temperature'))
    out.push({ metric: 'temperature', at: end, value: Math.round(366 + 3 * Math.sin(end / 3_600_000)) / 10 });
  if (metrics.has('steps')) out.push({ metric: 'steps', at: end, value: Math.round(100 * r()) });
  if (metrics.has('glucose') && minute % 5 === 0)
    out.push({ metric: 'glucose', at: end, value: Math.round(105 + 15 * Math.sin(end / 7_200_000)) });
  return out.sort((a, b) => a.at - b.at);
}

export interface SimulatorTarget {
  readonly server: string;
  readonly identity: DeviceIdentity;
  readonly client: DeviceClient;
  readonly metrics: ReadonlySet<string>;
  /** Another participant of the study, for wrong-participant. */
  readonly otherParticipantId?: string;
}

/** Drives `minutes` of simulated time through POST /api/v1/telemetry as fast as the server answers. */
export async function simulate(target: SimulatorTarget, mode: Mode, minutes: number): Promise<Summary> {
  const { identity, client } = target;
  const summary: Summary = {
    mode,
    deviceId: identity.deviceId,
    participantId: identity.participantId,
    uploads: 0,
    samples: 0,
    accepted: 0,
    refused: {},
    flagged: {},
    quarantinedSamples: 0,
    expected: EXPECTED[mode],
    ok: false,
  };
  const send = async (bytes: Uint8Array, participantId = identity.participantId) => {
    const url = `${target.server}/api/v1/telemetry?study=${encodeURIComponent(identity.studyId)}&participant=${encodeURIComponent(participantId)}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/cose' },
      body: bytes,
    });
    const body = (await response.json()) as {
      error?: { details?: { reason?: string }; code: string };
      flags?: string[];
      sampleFlags?: Record<string, number>;
      quarantined?: number;
    };
    summary.uploads++;
    if (response.status === 202) {
      summary.accepted++;
      summary.quarantinedSamples += body.quarantined ?? 0;
      for (const flag of body.flags ?? []) summary.flagged[flag] = (summary.flagged[flag] ?? 0) + 1;
      for (const [flag, n] of Object.entries(body.sampleFlags ?? {}))
        summary.flagged[flag] = (summary.flagged[flag] ?? 0) + n;
    } else {
      const reason = body.error?.details?.reason ?? body.error?.code ?? `HTTP ${response.status}`;
      summary.refused[reason] = (summary.refused[reason] ?? 0) + 1;
    }
  };
  const now = () => Date.now();
  const forger = new DeviceClient({ ...identity, privateKey: DeviceClient.generateKey(identity.alg) });
  const other = target.otherParticipantId ?? randomUUID();
  const wrong = new DeviceClient({ ...identity, participantId: other });
  const pending: Uint8Array[] = [];
  for (let m = 0; m < minutes; m++) {
    const sent = now();
    const end = sent - (minutes - 1 - m) * 60_000;
    let data = minuteOfData(end, m, target.metrics);
    summary.samples += data.length;
    switch (mode) {
      case 'forge':
        await send(forger.upload(data, sent));
        break;
      case 'replay': {
        const bytes = client.upload(data, sent);
        await send(bytes);
        await send(bytes);
        break;
      }
      case 'reorder':
        pending.push(client.upload(data, sent));
        if (pending.length === 2) {
          await send(pending[1] as Uint8Array);
          await send(pending[0] as Uint8Array);
          pending.length = 0;
        }
        break;
      case 'backdate': {
        const back = 2 * 60 * 60 * 1000;
        await send(
          client.upload(
            data.map((s) => ({ ...s, at: s.at - back })),
            sent - back,
          ),
        );
        break;
      }
      case 'spike':
        data = data.map((s, i) => (s.metric === 'heart_rate' && i === 40 ? { ...s, value: 290 } : s));
        await send(client.upload(data, sent));
        break;
      case 'flatline':
        data = data.map((s) => (s.metric === 'heart_rate' ? { ...s, value: 72 } : s));
        await send(client.upload(data, sent));
        break;
      case 'wrong-participant':
        await send(wrong.upload(data, sent), other);
        break;
      default:
        await send(client.upload(data, sent));
    }
  }
  for (const bytes of pending) await send(bytes);
  summary.ok = judge(summary, minutes);
  return summary;
}

function judge(s: Summary, minutes: number): boolean {
  const refusedOnly = (reason: string, n: number) =>
    s.refused[reason] === n && Object.keys(s.refused).length === 1;
  switch (s.mode) {
    case 'honest':
      return (
        s.accepted === minutes && Object.keys(s.refused).length === 0 && Object.keys(s.flagged).length === 0
      );
    case 'forge':
      return s.accepted === 0 && refusedOnly('SIGNATURE_INVALID', minutes);
    case 'replay':
      return s.accepted === minutes && refusedOnly('REPLAY', minutes);
    case 'reorder':
      return (
        s.accepted === minutes && (minutes < 2 || (s.flagged.OUT_OF_ORDER ?? 0) >= Math.floor(minutes / 2))
      );
    case 'backdate':
      return s.accepted === 0 && refusedOnly('CLOCK_SKEW', minutes);
    case 'spike':
      return s.accepted === minutes && (s.flagged.RANGE ?? 0) >= minutes;
    case 'flatline':
      return s.accepted === minutes && (minutes < 2 || (s.flagged.FLATLINE ?? 0) > 0);
    case 'wrong-participant':
      return s.accepted === 0 && refusedOnly('WRONG_PARTICIPANT', minutes);
    case 'revoked':
      return s.accepted === 0 && refusedOnly('DEVICE_REVOKED', minutes);
  }
}
