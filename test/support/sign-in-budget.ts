import type { BrowserContext } from 'playwright-core';
import { RATE_LIMITS } from '../../src/http/rate-limit.js';

/**
 * The server allows RATE_LIMITS['sign-in'] requests a minute per client address to the operations that
 * try a secret (password, TOTP, passkey, re-authenticated account changes; src/http/rate-limit.ts),
 * and every page of a test's browser is one address. Once a test no longer waits 30 s for a TOTP step
 * at each sign-in (fresh-totp.ts), it can go faster than that: this keeps it inside the limit instead
 * of being refused (429, "Too many attempts").
 *
 * Every such request is held back until fewer than the limit were sent in the last minute (a sliding
 * minute, plus a second for the request to arrive, so the server's fixed window never sees more);
 * `reserve(n)` waits, before a step, until n more fit, so a long wait happens there and not inside a
 * locator's timeout.
 */
const LIMIT = RATE_LIMITS['sign-in'];
const WINDOW_MS = 61_000;
/** POSTs counted against the 'sign-in' bucket (more than the exact list only makes a test wait sooner). */
const COUNTED = /^\/api\/v1\/(auth\/|users\/reset-)/;

export interface SignInBudget {
  /** Waits until n more rate-limited requests fit in the last minute's budget. */
  reserve(n: number): Promise<void>;
}

export async function watchSignInBudget(context: BrowserContext): Promise<SignInBudget> {
  const sent: number[] = [];
  /** Milliseconds until n more fit (0: now). */
  const waitFor = (n: number): number => {
    const now = Date.now();
    while (sent.length > 0 && (sent[0] ?? 0) <= now - WINDOW_MS) sent.shift();
    const over = sent.length + n - LIMIT;
    if (over <= 0) return 0;
    // The request whose ageing out frees the last slot needed.
    return (sent[over - 1] ?? now) + WINDOW_MS - now + 50;
  };
  const untilFits = async (n: number): Promise<void> => {
    for (let ms = waitFor(n); ms > 0; ms = waitFor(n)) await new Promise((r) => setTimeout(r, ms));
  };
  // One request at a time through the check, so two at once cannot both take the last slot.
  let queue: Promise<void> = Promise.resolve();
  await context.route(
    (url) => COUNTED.test(url.pathname),
    (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const turn = queue.then(async () => {
        await untilFits(1);
        sent.push(Date.now());
        await route.continue();
      });
      queue = turn.catch(() => {});
      return turn;
    },
  );
  return { reserve: untilFits };
}
