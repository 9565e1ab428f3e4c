import { generateSecret } from 'otplib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkTotp } from '../../src/access/totp.js';
import { freshTotp } from './fresh-totp.js';

// The e2e helper against the server's own check: every code it hands out is accepted (one step of drift,
// never a step twice), and it waits only when the current and the next step are both spent.
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

  it('gives the current and the next step without waiting, then waits for the step boundary', async () => {
    vi.useFakeTimers();
    const secret = generateSecret();
    const start = 1_800_000_000_000 + 12_000; // 12 s into a step
    let last: number | null = null;
    const first = await codeAt(secret, start);
    const second = await codeAt(secret, start + 1_000);
    const third = await codeAt(secret, start + 2_000);
    expect([first.waited, second.waited]).toEqual([0, 0]);
    // Waits until the next step begins (16 s), then uses the step after it.
    expect(third.waited).toBeGreaterThanOrEqual(16_000);
    expect(third.waited).toBeLessThan(17_000);
    // Each arrives at the server a few seconds later and is accepted, on a later step each time.
    for (const { code, at } of [
      { code: first.code, at: start + 5_000 },
      { code: second.code, at: start + 6_000 },
      { code: third.code, at: start + third.waited + 4_000 },
    ]) {
      const step = await checkTotp(secret, code, last, new Date(at));
      expect(step).not.toBeNull();
      expect(step).toBeGreaterThan(last ?? -1);
      last = step;
    }
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
