import { generateSecret } from 'otplib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkTotp } from '../../src/access/totp.js';
import { freshTotp } from './fresh-totp.js';

// The e2e helper against the server's own check: every code it hands out is accepted seconds later (one
// step of drift either way, never a step twice), and it waits only when every acceptable step is spent.
describe('freshTotp', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Calls freshTotp at fake time `at` (ms); the code and how long the call waited. */
  async function codeAt(secret: string, at: number): Promise<{ code: string; waited: number }> {
    vi.setSystemTime(at);
    const pending = freshTotp(secret);
    await vi.runAllTimersAsync();
    return { code: await pending, waited: Date.now() - at };
  }

  /** Codes taken at the given times (ms), each checked by the server `arrival` ms after it was taken. */
  async function acceptedInOrder(times: number[], arrival: number): Promise<number[]> {
    const secret = generateSecret();
    const waits: number[] = [];
    let last: number | null = null;
    for (const at of times) {
      const { code, waited } = await codeAt(secret, Math.max(at, Date.now()));
      waits.push(waited);
      const step = await checkTotp(secret, code, last, new Date(Date.now() + arrival));
      expect(step).not.toBeNull();
      expect(step).toBeGreaterThan(last ?? -1);
      last = step;
    }
    return waits;
  }

  it('with 10 s or more left in the step: the previous, current and next step, then a wait', async () => {
    vi.useFakeTimers();
    const start = 1_800_000_000_000 + 12_000; // 12 s into a step, 18 s left
    const waits = await acceptedInOrder([start, start + 1_000, start + 2_000, start + 3_000], 5_000);
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    // The fourth waits until the next step begins (15 s later), then takes the step after it.
    expect(waits[3]).toBeGreaterThanOrEqual(15_000);
    expect(waits[3]).toBeLessThan(16_000);
  });

  it('with less than 10 s left: the current and the next step only, then a wait', async () => {
    vi.useFakeTimers();
    const start = 1_800_000_000_000 + 22_000; // 8 s left
    const waits = await acceptedInOrder([start, start + 1_000, start + 2_000], 9_000);
    expect(waits).toEqual([0, 0, expect.any(Number)]);
    expect(waits[2]).toBeGreaterThanOrEqual(6_000);
  });

  it('a code taken in the last second of a step is still accepted seconds later, in the next step', async () => {
    vi.useFakeTimers();
    const secret = generateSecret();
    const end = 1_800_000_000_000 + 29_500;
    const { code, waited } = await codeAt(secret, end);
    expect(waited).toBe(0);
    expect(await checkTotp(secret, code, null, new Date(end + 5_000))).not.toBeNull();
  });
});
