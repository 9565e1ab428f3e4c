import { generate } from 'otplib';

/**
 * TOTP codes for tests against a real server (real clock), without waiting for a new 30-second step on
 * every sign-in. The server (src/access/totp.ts) accepts a code for one step of drift either way and
 * only for a step later than the last one it accepted for that user, so a test has up to three unused
 * steps at any moment: the previous one (while the current step has time left), the current one and the
 * next. Codes are handed out in increasing step order; only when all are spent does it wait for the
 * next step.
 *
 * Per secret, in the test file's process: the demo secrets are the same on every server, so a file that
 * starts two servers shares one tracker between them, which only makes it wait sooner (as does a code
 * handed out but never accepted): never a refused code.
 */
const STEP_MS = 30_000;
/** After a step boundary, a little slack before the code of the step after it is generated. */
const BOUNDARY_SLACK_MS = 300;
/**
 * The previous step is accepted only until the current one ends: it is used only with this much of the
 * current step left, for the code to be typed, submitted and checked (a browser takes a second or two).
 */
const PREVIOUS_STEP_MARGIN_MS = 10_000;
const lastStep = new Map<string, number>();

/** The step a fresh code can use now, or null when every step the server would accept is spent. */
function usableStep(secret: string, now: number): number | null {
  const nowStep = Math.floor(now / STEP_MS);
  const left = (nowStep + 1) * STEP_MS - now;
  const earliest = left >= PREVIOUS_STEP_MARGIN_MS ? nowStep - 1 : nowStep;
  const step = Math.max(earliest, (lastStep.get(secret) ?? Number.NEGATIVE_INFINITY) + 1);
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
