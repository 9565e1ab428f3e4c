import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from './metrics.js';
import { checkSeries, flagNames, SAMPLE_FLAGS } from './plausibility.js';

const times = (n: number, step = 1000) => Array.from({ length: n }, (_, i) => 1_000_000 + i * step);
const hr = DEFAULT_POLICY.heart_rate;

describe('plausibility checks (FDA DHT guidance: data integrity at the source-data boundary)', () => {
  it('passes a plausible heart-rate trace with no flags', () => {
    const values = times(300).map((_, i) => 70 + Math.round(8 * Math.sin(i / 20)));
    const flags = checkSeries(times(300), values, hr)?.flags;
    expect(flags?.every((f) => f === 0)).toBe(true);
  });

  it('flags out-of-range values and impossible jumps (RANGE, RATE), not the recovery after them', () => {
    const values = [70, 71, 320, 72, 73, 140, 74];
    const flags = checkSeries(times(7), values, hr)?.flags ?? new Uint8Array();
    expect([...flags].map(flagNames)).toEqual([[], [], ['RANGE', 'RATE'], [], [], ['RATE'], []]);
  });

  it('flags samples closer than half the sampling period (PERIOD)', () => {
    const flags = checkSeries([0, 1000, 1200, 2200], [70, 70, 71, 70], hr)?.flags ?? new Uint8Array();
    expect([...flags].map((f) => (f & SAMPLE_FLAGS.PERIOD) !== 0)).toEqual([false, false, true, false]);
  });

  it('flags a flat line of the configured length, every sample of the run', () => {
    const values = [...Array(10).fill(70), ...Array(hr.flatlineRun ?? 0).fill(72), 73];
    const flags = checkSeries(times(values.length), values, hr)?.flags ?? new Uint8Array();
    const flat = [...flags].map((f) => (f & SAMPLE_FLAGS.FLATLINE) !== 0);
    expect(flat.filter(Boolean)).toHaveLength(hr.flatlineRun ?? -1);
    expect(flat.slice(0, 10).some(Boolean)).toBe(false);
    expect(flat.at(-1)).toBe(false);
  });

  it('sees a flat line that spans uploads, from the sample where the run reaches its length', () => {
    const first = checkSeries(times(100), Array(100).fill(72), hr);
    expect(first?.run).toBe(100);
    const second = checkSeries(
      times(50).map((t) => t + 100_000),
      Array(50).fill(72),
      hr,
      { at: 1_099_000, value: 72, run: first?.run ?? 0 },
    );
    const flat = [...(second?.flags ?? [])].map((f) => (f & SAMPLE_FLAGS.FLATLINE) !== 0);
    expect(flat.indexOf(true)).toBe(0);
    expect(flat.every(Boolean)).toBe(true);
  });

  it('a window that does not come after the previous upload continues no flat run from it', () => {
    const run = (hr.flatlineRun ?? 0) - 1;
    const previous = { at: 1_000_000, value: 72, run };
    // After the reference: the run reaches its length at once.
    const after = checkSeries([1_001_000], [72], hr, previous)?.flags[0] ?? 0;
    expect(after & SAMPLE_FLAGS.FLATLINE).not.toBe(0);
    // Overlapping it (a window re-sent from earlier): a new run, not the old one's continuation.
    const overlapping = checkSeries([999_000, 1_000_500], [72, 73], hr, previous)?.flags ?? new Uint8Array();
    expect([...overlapping].some((f) => (f & SAMPLE_FLAGS.FLATLINE) !== 0)).toBe(false);
  });

  it('refuses times that are not strictly increasing (SAMPLE_ORDER)', () => {
    expect(checkSeries([0, 2000, 1000], [70, 70, 70], hr)).toBeNull();
    expect(checkSeries([0, 0], [70, 70], hr)).toBeNull();
  });

  it('never throws and flags every out-of-range value (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1000, max: 1000, noNaN: true }), { maxLength: 200 }),
        (values) => {
          const flags = checkSeries(times(values.length), values, hr)?.flags;
          values.forEach((v, i) => {
            if (v < hr.min || v > hr.max) expect((flags?.[i] ?? 0) & SAMPLE_FLAGS.RANGE).not.toBe(0);
          });
        },
      ),
    );
  });
});
