/** Server time is the only time that counts for audited facts; client clocks are data (21 CFR 11.10(e)). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
