import type { Clock } from '../../src/core/clock.js';

/** A server clock the test moves by hand (timeouts, TOTP steps). */
export class TestClock implements Clock {
  constructor(public time = Date.parse('2026-11-28T09:00:00.000Z')) {}
  now(): Date {
    return new Date(this.time);
  }
  advance(minutes: number): void {
    this.time += minutes * 60_000;
  }
}
