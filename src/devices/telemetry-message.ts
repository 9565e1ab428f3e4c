import type { CborMap, CborValue } from './cbor.js';
import { encode } from './cbor.js';
import { METRICS, type MetricName, metricByCode } from './metrics.js';

/** The signed payload, version 1 (docs/telemetry.md). */
export interface TelemetryMessage {
  readonly device: string;
  readonly boot: number;
  readonly seq: number;
  /** SHA-256 of the previous message this device sent (32 zero bytes for its first). */
  readonly prev: Uint8Array;
  /** Device clock at sending, ms since the Unix epoch: data to check, never the server's truth. */
  readonly sent: number;
  readonly series: MetricSeries[];
  readonly sampleCount: number;
}

/** One metric's samples in the order sent: offsets (ms, relative to `sent`) and values. */
export interface MetricSeries {
  readonly metric: MetricName;
  readonly offsets: number[];
  readonly values: number[];
}

export const MAX_SAMPLES = 10_000;
/** Samples may reach back a day before `sent` (a device that buffered while offline). */
export const MAX_LOOKBACK_MS = 24 * 60 * 60 * 1000;
export const VERSION = 1;

const KEYS = ['v', 'device', 'boot', 'seq', 'prev', 'sent', 'samples'];

const isUint = (v: CborValue | undefined): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The payload's fields, each checked for type and bounds; the first problem is the answer. */
export function parseMessage(
  value: CborValue,
): { ok: true; value: TelemetryMessage } | { ok: false; problem: string } {
  if (!(value instanceof Map)) return { ok: false, problem: 'the payload is not a map' };
  const map = value as CborMap;
  if (map.size !== KEYS.length || KEYS.some((k) => !map.has(k)))
    return { ok: false, problem: `the payload has exactly the keys ${KEYS.join(', ')}` };
  if (map.get('v') !== VERSION) return { ok: false, problem: 'unsupported payload version' };
  const device = map.get('device');
  const boot = map.get('boot');
  const seq = map.get('seq');
  const prev = map.get('prev');
  const sent = map.get('sent');
  const samples = map.get('samples');
  if (typeof device !== 'string' || device.length === 0 || device.length > 64)
    return { ok: false, problem: 'device must be the device id' };
  if (!isUint(boot) || boot > 0xffffffff)
    return { ok: false, problem: 'boot must be an unsigned 32-bit counter' };
  if (!isUint(seq)) return { ok: false, problem: 'seq must be an unsigned integer' };
  if (!(prev instanceof Uint8Array) || prev.length !== 32)
    return { ok: false, problem: 'prev must be 32 bytes' };
  if (!isUint(sent)) return { ok: false, problem: 'sent must be ms since the epoch' };
  if (!Array.isArray(samples) || samples.length === 0 || samples.length > MAX_SAMPLES)
    return { ok: false, problem: `samples must be 1 to ${MAX_SAMPLES} items` };
  const byCode = new Map<number, { metric: MetricName; offsets: number[]; values: number[] }>();
  for (const sample of samples) {
    if (!Array.isArray(sample) || sample.length !== 4)
      return { ok: false, problem: 'a sample is [metric, unit, offset, value]' };
    const [code, unit, offset, v] = sample;
    if (typeof code !== 'number') return { ok: false, problem: 'unknown metric code' };
    let series = byCode.get(code);
    if (series === undefined) {
      const metric = metricByCode(code);
      if (metric === undefined) return { ok: false, problem: `unknown metric code ${code}` };
      series = { metric, offsets: [], values: [] };
      byCode.set(code, series);
    }
    if (unit !== METRICS[series.metric].unit)
      return { ok: false, problem: `wrong unit for ${series.metric}` };
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset > 0 || offset < -MAX_LOOKBACK_MS)
      return { ok: false, problem: 'a sample offset is whole ms in [-86400000, 0]' };
    if (typeof v !== 'number' || !Number.isFinite(v))
      return { ok: false, problem: 'a sample value is a finite number' };
    series.offsets.push(offset);
    series.values.push(v);
  }
  return {
    ok: true,
    value: {
      device,
      boot,
      seq,
      prev,
      sent,
      series: [...byCode.values()],
      sampleCount: samples.length,
    },
  };
}

export interface Sample {
  readonly metric: MetricName;
  /** Absolute time, ms since the epoch (device clock). */
  readonly at: number;
  readonly value: number;
}

/** The payload bytes the reference client signs: deterministic CBOR of the version 1 map. */
export function encodeMessage(message: {
  device: string;
  boot: number;
  seq: number;
  prev: Uint8Array;
  sent: number;
  samples: readonly Sample[];
}): Uint8Array {
  const samples: CborValue[] = message.samples.map((s) => [
    METRICS[s.metric].code,
    METRICS[s.metric].unit,
    s.at - message.sent,
    s.value,
  ]);
  return encode(
    new Map<string, CborValue>([
      ['v', VERSION],
      ['device', message.device],
      ['boot', message.boot],
      ['seq', message.seq],
      ['prev', message.prev],
      ['sent', message.sent],
      ['samples', samples],
    ]),
  );
}

/**
 * external_aad of every upload: the study, the participant and the server audience, so that a valid
 * upload cannot be replayed into another study, participant or server (RFC 9052 section 4.3).
 */
export function externalAad(studyId: string, participantId: string, audience: string): Uint8Array {
  return encode(['trialvault-telemetry-v1', studyId, participantId, audience]);
}
