import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advance, type DeviceState, EMPTY_STATE, MAX_SKEW_MS, WINDOW } from './device-state.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const hash = (n: number) => new Uint8Array(32).fill(n % 256);

function run(state: DeviceState, boot: number, seq: number, prev: Uint8Array, sent = NOW) {
  return advance(state, { boot, seq, prev, sent }, hash(seq + 1), NOW);
}

describe('device sequence state', () => {
  it('accepts a chained sequence without flags', () => {
    let state = EMPTY_STATE;
    let prev = new Uint8Array(32);
    for (let seq = 0; seq < 100; seq++) {
      const r = run(state, 1, seq, prev);
      if (!r.ok) throw new Error(r.reason);
      expect(r.flags).toEqual([]);
      state = r.state;
      prev = hash(seq + 1);
    }
  });

  it('refuses a duplicate, anything older than the window and an older boot as REPLAY', () => {
    let state = EMPTY_STATE;
    let prev = new Uint8Array(32);
    for (let seq = 0; seq < WINDOW + 10; seq++) {
      const r = run(state, 2, seq, prev);
      if (!r.ok) throw new Error(r.reason);
      state = r.state;
      prev = hash(seq + 1);
    }
    for (const [boot, seq] of [
      [2, WINDOW + 9],
      [2, WINDOW + 5],
      [2, 3],
      [1, 1000],
    ] as const) {
      const r = run(state, boot, seq, prev);
      expect(r.ok ? 'accepted' : r.reason, `${boot}/${seq}`).toBe('REPLAY');
    }
  });

  it('flags gaps, forks and late arrivals, and accepts each late one once', () => {
    const first = run(EMPTY_STATE, 1, 0, new Uint8Array(32));
    if (!first.ok) throw new Error();
    const skip = run(first.state, 1, 2, hash(2));
    expect(skip.ok && skip.flags).toEqual(['CHAIN_GAP']);
    if (!skip.ok) throw new Error();
    const late = run(skip.state, 1, 1, hash(1));
    expect(late.ok && late.flags).toEqual(['OUT_OF_ORDER']);
    if (!late.ok) throw new Error();
    expect(run(late.state, 1, 1, hash(1)).ok).toBe(false);
    const fork = run(late.state, 1, 3, hash(99));
    expect(fork.ok && fork.flags).toEqual(['CHAIN_FORK']);
  });

  it('refuses a device clock beyond the skew bound and flags drift within a boot', () => {
    const skewed = run(EMPTY_STATE, 1, 0, new Uint8Array(32), NOW - MAX_SKEW_MS - 1);
    expect(skewed.ok ? 'accepted' : skewed.reason).toBe('CLOCK_SKEW');
    const first = run(EMPTY_STATE, 1, 0, new Uint8Array(32), NOW);
    if (!first.ok) throw new Error();
    const drifted = run(first.state, 1, 1, hash(1), NOW - 60_000);
    expect(drifted.ok && drifted.flags).toEqual(['CLOCK_DRIFT']);
  });

  it('never accepts the same (boot, seq) twice, whatever the order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 150 })), {
          maxLength: 200,
        }),
        (arrivals) => {
          let state = EMPTY_STATE;
          const accepted = new Set<string>();
          for (const [boot, seq] of arrivals) {
            const r = run(state, boot, seq, new Uint8Array(32));
            if (!r.ok) continue;
            const key = `${boot}/${seq}`;
            expect(accepted.has(key)).toBe(false);
            accepted.add(key);
            state = r.state;
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
