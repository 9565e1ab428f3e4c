import { openField, sealField } from '../crypto/field-envelope.js';
import type { ParticipantKey } from '../vault/keyring.js';
import { METRICS, type MetricName } from './metrics.js';

/** The last plausible sample of a metric, and how long its flat run is: the next upload's reference. */
export interface LastSample {
  readonly at: number;
  readonly value: number;
  readonly run: number;
}

export type LastSamples = Map<MetricName, LastSample>;

interface DevicePlace {
  readonly id: string;
  readonly study_id: string;
  readonly participant_id: string;
}

// Values are participant data: sealed under the participant's key, bound to the device (ASVS 11.3).
const contextOf = (device: DevicePlace) => ({
  studyId: device.study_id,
  participantId: device.participant_id,
  recordId: `device/${device.id}`,
  field: 'last-samples',
  version: 1,
});

/** The stored references, or none when there are none, the key is gone or the envelope fails. */
export function openLastSamples(
  key: ParticipantKey | null,
  device: DevicePlace,
  sealed: string | null,
): LastSamples {
  const last: LastSamples = new Map();
  if (key === null || sealed === null) return last;
  const plain = openField(key.key, contextOf(device), Buffer.from(sealed, 'base64'));
  if (plain === null) return last;
  try {
    const parsed = JSON.parse(plain.toString('utf8')) as Record<string, [number, number, number]>;
    for (const [metric, entry] of Object.entries(parsed)) {
      if (!(metric in METRICS) || !Array.isArray(entry)) continue;
      const [at, value, run] = entry.map(Number);
      if (Number.isFinite(at) && Number.isFinite(value) && Number.isFinite(run))
        last.set(metric as MetricName, { at: at as number, value: value as number, run: run as number });
    }
  } catch {
    // An unreadable reference only means the next upload is checked on its own.
  }
  return last;
}

export function sealLastSamples(key: ParticipantKey, device: DevicePlace, last: LastSamples): string {
  const plain: Record<string, [number, number, number]> = {};
  for (const [metric, s] of last) plain[metric] = [s.at, s.value, s.run];
  return sealField(key.key, key.version, contextOf(device), Buffer.from(JSON.stringify(plain))).toString(
    'base64',
  );
}
