import type { MetricName } from '../../devices/devices-view.js';

/**
 * How each metric is shown to people (issue #15 item 9): its name, its unit in words (not UCUM codes
 * such as "mm[Hg]" or "Cel"), and a y range wide enough that normal variation does not look like
 * noise (SpO2 96-98% drawn on 85-100, not on 96-98). The range grows to show any value outside it.
 */
export const METRIC_DISPLAY: Readonly<
  Record<MetricName, { label: string; unit: string; range: [number, number] }>
> = {
  heart_rate: { label: 'Heart rate', unit: 'beats per minute', range: [40, 160] },
  spo2: { label: 'Oxygen saturation (SpO2)', unit: 'percent', range: [85, 100] },
  glucose: { label: 'Glucose', unit: 'mg/dL', range: [50, 250] },
  systolic_bp: { label: 'Systolic blood pressure', unit: 'mmHg', range: [80, 200] },
  diastolic_bp: { label: 'Diastolic blood pressure', unit: 'mmHg', range: [40, 130] },
  temperature: { label: 'Body temperature', unit: '°C', range: [35, 40] },
  steps: { label: 'Steps', unit: 'steps', range: [0, 200] },
};

/** Why a sample was quarantined, in words (docs/telemetry.md, sample flags). */
export const FLAG_WORDS: Readonly<Record<string, string>> = {
  RANGE: 'outside the physiological range',
  RATE: 'changed faster than the body can',
  PERIOD: 'sampled at an impossible interval',
  FLATLINE: 'flat line (sensor stuck or off the body)',
  DUPLICATE_CONTENT: 'repeats an earlier upload',
  CHAIN_FORK: 'from a forked upload chain',
};

/** The y range: the metric's own, widened to hold every value shown (with a little room). */
export function yRange(metric: MetricName, values: readonly number[]): [number, number] {
  const [lo, hi] = METRIC_DISPLAY[metric].range;
  if (values.length === 0) return [lo, hi];
  const min = Math.min(lo, ...values);
  const max = Math.max(hi, ...values);
  const pad = (max - min) * 0.05;
  return [min < lo ? min - pad : lo, max > hi ? max + pad : hi];
}

export const RANGES = [
  { label: 'Last 24 hours', ms: 24 * 3600_000 },
  { label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
  { label: 'Last 30 days', ms: 30 * 24 * 3600_000 },
  { label: 'Last 365 days', ms: 365 * 24 * 3600_000 },
] as const;
