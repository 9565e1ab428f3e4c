/** Server time is the only time that counts for audited facts; client clocks are data (21 CFR 11.10(e)). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** ISO 8601 in UTC with milliseconds, e.g. 2026-11-28T12:00:00.000Z; sorts lexically. */
export function utcNow(clock: Clock): string {
  return clock.now().toISOString();
}
