import { appError } from '../core/errors.js';

/**
 * Rate limits are a property of the operation (`rateLimit` in its declaration) and are applied after
 * routing, by the route's bucket and the client address: however the path is spelled (`%61uth`, a
 * trailing slash...), a request that reaches an operation counts against its bucket, and one that does
 * not reach it is not routed at all (ASVS 6.3.1; issue #12 finding 2). No prefix of the raw URL decides.
 */
export type RateLimitName = 'sign-in' | 'device-enroll' | 'ledger-verify';

/** Requests per client address per minute, by bucket (docs/access.md). */
export const RATE_LIMITS: Readonly<Record<RateLimitName, number>> = {
  // Password, second factor (TOTP, recovery code, passkey) and enrolment steps share one budget.
  'sign-in': 20,
  'device-enroll': 20,
  // Verifying the whole store reads every event: a few a minute is plenty for an operator.
  'ledger-verify': 6,
};

const WINDOW_MS = 60_000;
/** At most this many client windows are kept; beyond it the oldest windows are dropped first. */
const MAX_WINDOWS = 10_000;

export const RATE_LIMITED = appError('RATE_LIMITED', 'Too many attempts; wait a minute and try again.');

/** A fixed window per bucket and client address. */
export class RateLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly limits: Readonly<Record<RateLimitName, number>> = RATE_LIMITS) {}

  /** Counts one request; undefined when it is allowed, else the seconds to wait. */
  take(bucket: RateLimitName, client: string, now = Date.now()): number | undefined {
    const key = `${bucket}\u0000${client}`;
    const window = this.#windows.get(key);
    if (window === undefined || now - window.start >= WINDOW_MS) {
      this.#windows.delete(key);
      if (this.#windows.size >= MAX_WINDOWS) {
        // Map order is insertion order: the first key is the oldest window.
        const oldest = this.#windows.keys().next().value;
        if (oldest !== undefined) this.#windows.delete(oldest);
      }
      this.#windows.set(key, { start: now, count: 1 });
      return undefined;
    }
    window.count++;
    if (window.count <= this.limits[bucket]) return undefined;
    return Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
  }
}
