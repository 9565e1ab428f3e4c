import type { BrowserContext, Route } from 'playwright-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RATE_LIMITS } from '../../src/http/rate-limit.js';
import { watchSignInBudget } from './sign-in-budget.js';

// The e2e throttle never lets more than the server's sign-in limit through in any minute, and waits no
// longer than it must.
describe('watchSignInBudget', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A stand-in context: the route handler it was given, and when each request was let through. */
  async function watched() {
    let handler: ((route: Route) => Promise<void> | void) | undefined;
    let matches: ((url: URL) => boolean) | undefined;
    const context = {
      route: async (m: (url: URL) => boolean, h: (route: Route) => Promise<void>) => {
        matches = m;
        handler = h;
      },
    } as unknown as BrowserContext;
    const budget = await watchSignInBudget(context);
    const through: number[] = [];
    const send = (method = 'POST') =>
      handler?.({
        request: () => ({ method: () => method }),
        continue: async () => {
          through.push(Date.now());
        },
      } as unknown as Route);
    return { budget, through, send, matches: (path: string) => matches?.(new URL(`http://x${path}`)) };
  }

  it('counts the sign-in operations, holds the one over the limit for a minute, lets GETs pass', async () => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
    const { through, send, matches } = await watched();
    expect(matches('/api/v1/auth/login')).toBe(true);
    expect(matches('/api/v1/auth/passkeys/abc/remove')).toBe(true);
    expect(matches('/api/v1/users/reset-password')).toBe(true);
    expect(matches('/api/v1/records')).toBe(false);
    const limit = RATE_LIMITS['sign-in'];
    for (let i = 0; i < limit; i++) void send();
    await vi.advanceTimersByTimeAsync(0);
    expect(through).toHaveLength(limit);
    void send('GET');
    await vi.advanceTimersByTimeAsync(0);
    const last = send();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(through).toHaveLength(limit + 1); // the GET only
    await vi.advanceTimersByTimeAsync(1_100);
    await last;
    expect(through).toHaveLength(limit + 2);
    expect((through.at(-1) ?? 0) - (through[0] ?? 0)).toBeGreaterThanOrEqual(61_000);
  });

  it('reserve(n) returns at once while n more fit, else once enough have aged out', async () => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
    const { budget, send } = await watched();
    for (let i = 0; i < 18; i++) {
      await send();
      await vi.advanceTimersByTimeAsync(1_000);
    }
    const start = Date.now();
    await budget.reserve(2);
    expect(Date.now()).toBe(start);
    const waited = budget.reserve(4);
    await vi.runAllTimersAsync();
    await waited;
    // The first two sent must age out (61 s after they were sent, 18 s and 17 s ago).
    expect(Date.now() - start).toBeGreaterThanOrEqual(61_000 - 17_000);
    expect(Date.now() - start).toBeLessThan(61_000 - 17_000 + 1_000);
  });
});
