import type { Kysely } from 'kysely';
import { trustRowOn } from '../authz/tamper-in-tx.js';
import { ok, type Result } from '../core/result.js';
import type { Database } from '../storage/schema.js';
import type { VaultDeps } from '../vault/deps.js';
import { TELEMETRY_POLICIES } from './devices-bindings.js';
import { effectivePolicy, type PolicyOverrides, policyOverrides, type TelemetryPolicy } from './metrics.js';
import { findPolicy } from './repo.js';

/** The study's plausibility limits: its stored overrides on top of the defaults. */
export async function policyFor(
  deps: VaultDeps,
  db: Kysely<Database>,
  studyId: string,
): Promise<Result<TelemetryPolicy>> {
  const overrides = await overridesFor(deps, db, studyId);
  return overrides.ok ? ok(effectivePolicy(overrides.value)) : overrides;
}

/**
 * The stored overrides, checked first (issue #17): limits rewritten in SQL are never applied to an
 * upload (ROW_TAMPERED, reported).
 */
export async function overridesFor(
  deps: VaultDeps,
  db: Kysely<Database>,
  studyId: string,
): Promise<Result<PolicyOverrides | undefined>> {
  const found = await trustRowOn(deps, db, TELEMETRY_POLICIES, await findPolicy(db, studyId));
  if (!found.ok) return found;
  if (found.value === undefined) return ok(undefined);
  const parsed = policyOverrides.safeParse(JSON.parse(found.value.policy));
  // A stored policy was validated when saved; one that no longer parses is a bug or a hand edit.
  if (!parsed.success) throw new Error('the stored telemetry policy does not parse');
  return ok(parsed.data);
}
