import { generate } from 'otplib';

/**
 * TOTP codes for tests against a real server (real clock), without waiting for a new 30-second step on
 * every sign-in. The server (src/access/totp.ts) accepts a code for one step of drift either way and
 * only for a step later than the last one it accepted for that user, so a test has two unused steps at
 * any moment: the current one and the next. Only when both are spent does it wait for the next step.
 *
 * Per secret, and per test worker process: each server start prints new demo secrets, so two servers
 * never share one. A code handed out but never accepted only makes a later call wait sooner (safe).
 */
const STEP_MS = 30_000;
/** After a step boundary, a little slack before the code of the step after it is generated. */
const BOUNDARY_SLACK_MS = 300;
const lastStep = new Map<string, number>();

/** The step a fresh code can use now, or null when the current and the next step are both spent. */
function usableStep(secret: string, now: number): number | null {
  const nowStep = Math.floor(now / STEP_MS);
  const step = Math.max(nowStep, (lastStep.get(secret) ?? Number.NEGATIVE_INFINITY) + 1);
  // The current step stays accepted for the whole next step too (one step of drift backwards), and
  // the next one until the step after it ends: both leave at least 30 s for the code to arrive.
  return step <= nowStep + 1 ? step : null;
}

/** A code of a step not used before for this secret; waits (at most one step) when none is left. */
export async function freshTotp(secret: string): Promise<string> {
  if (secret === '') throw new Error('freshTotp: no TOTP secret (the demo output was not parsed)');
  let step = usableStep(secret, Date.now());
  while (step === null) {
    const nextBoundary = (Math.floor(Date.now() / STEP_MS) + 1) * STEP_MS;
    await new Promise((resolve) => setTimeout(resolve, nextBoundary - Date.now() + BOUNDARY_SLACK_MS));
    step = usableStep(secret, Date.now());
  }
  lastStep.set(secret, step);
  // Any second of the step gives its code; one past the boundary keeps clear of rounding.
  return generate({ secret, epoch: (step * STEP_MS) / 1000 + 1 });
}
