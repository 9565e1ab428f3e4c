import type { MetricLimits } from './metrics.js';

/** Why a stored sample is quarantined: bits of its flag byte. */
export const SAMPLE_FLAGS = {
  RANGE: 1,
  RATE: 2,
  PERIOD: 4,
  FLATLINE: 8,
  DUPLICATE_CONTENT: 16,
  CHAIN_FORK: 32,
} as const;
export type SampleFlag = keyof typeof SAMPLE_FLAGS;
const FLAG_NAMES = Object.keys(SAMPLE_FLAGS) as SampleFlag[];

export function flagNames(bits: number): SampleFlag[] {
  return FLAG_NAMES.filter((name) => (bits & SAMPLE_FLAGS[name]) !== 0);
}

/**
 * Flags for one metric's samples (times in ms, strictly increasing). `previous` is the last plausible
 * sample of the same metric from an earlier upload, with the length of the run of equal values it
 * ended, so that jumps and flat lines spanning uploads are seen too. Returns null when the times are
 * not strictly increasing (refused: SAMPLE_ORDER); otherwise the flags and the run at the end.
 */
export function checkSeries(
  times: readonly number[],
  values: readonly number[],
  limits: MetricLimits,
  previous?: { at: number; value: number; run: number },
): { flags: Uint8Array; run: number } | null {
  const n = times.length;
  const flags = new Uint8Array(n);
  const { min, max, maxRatePerSecond, periodMs, flatlineRun } = limits;
  let lastAt = previous?.at;
  let lastValue = previous?.value;
  // A flat run goes on across uploads only if this upload comes after the sample that ended it.
  const continues = previous !== undefined && n > 0 && (times[0] as number) > previous.at;
  let run = continues ? previous.run : 0;
  for (let i = 0; i < n; i++) {
    const at = times[i] as number;
    const value = values[i] as number;
    if (i > 0 && at <= (times[i - 1] as number)) return null;
    let f = 0;
    if (value < min || value > max) f |= SAMPLE_FLAGS.RANGE;
    if (lastAt !== undefined && lastValue !== undefined && at > lastAt) {
      const dt = at - lastAt;
      if (maxRatePerSecond !== null && (Math.abs(value - lastValue) * 1000) / dt > maxRatePerSecond)
        f |= SAMPLE_FLAGS.RATE;
      if (periodMs !== null && dt < periodMs / 2) f |= SAMPLE_FLAGS.PERIOD;
    }
    if (flatlineRun !== null) {
      const before = i > 0 ? values[i - 1] : continues ? previous?.value : undefined;
      run = value === before ? run + 1 : 1;
      if (run === flatlineRun)
        for (let j = Math.max(0, i - run + 1); j < i; j++)
          flags[j] = (flags[j] as number) | SAMPLE_FLAGS.FLATLINE;
      if (run >= flatlineRun) f |= SAMPLE_FLAGS.FLATLINE;
    }
    flags[i] = (flags[i] as number) | f;
    // A quarantined value is not the reference for the next rate: one spike flags itself, not its successor.
    if ((f & (SAMPLE_FLAGS.RANGE | SAMPLE_FLAGS.RATE)) === 0) {
      lastAt = at;
      lastValue = value;
    }
  }
  return { flags, run };
}
