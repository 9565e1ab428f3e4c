import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { effectivePolicy, type PolicyOverrides, policyOverrides, type TelemetryPolicy } from './metrics.js';
import { findPolicy } from './repo.js';

/** The study's plausibility limits: its stored overrides on top of the defaults. */
export async function policyFor(db: Kysely<Database>, studyId: string): Promise<TelemetryPolicy> {
  return effectivePolicy(await overridesFor(db, studyId));
}

export async function overridesFor(
  db: Kysely<Database>,
  studyId: string,
): Promise<PolicyOverrides | undefined> {
  const stored = await findPolicy(db, studyId);
  if (stored === undefined) return undefined;
  const parsed = policyOverrides.safeParse(JSON.parse(stored));
  // A stored policy was validated when saved; one that no longer parses is a bug or a hand edit.
  if (!parsed.success) throw new Error('the stored telemetry policy does not parse');
  return parsed.data;
}
