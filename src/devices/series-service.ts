import { z } from 'zod';
import type { Authorizer } from '../authz/authorizer.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import { openField } from '../crypto/field-envelope.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';
import { knownStudy, refuseClosed } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import { policyBody } from './device-schemas.js';
import { TELEMETRY_POLICIES } from './devices-bindings.js';
import type { Series } from './devices-view.js';
import { effectivePolicy, METRIC_NAMES, METRICS, type MetricName, type TelemetryPolicy } from './metrics.js';
import { flagNames } from './plausibility.js';
import * as repo from './repo.js';
import { blockContext, decodeBlock } from './sample-block.js';
import { participantInScope } from './scoped.js';
import { overridesFor } from './telemetry-policy.js';

export type { Series } from './devices-view.js';

export const seriesQuery = z.object({
  metric: z.enum(METRIC_NAMES as [MetricName, ...MetricName[]]),
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
  points: z.coerce.number().int().min(10).max(10_000).optional(),
});

const DAY = 24 * 60 * 60 * 1000;
const QUARANTINE_CAP = 5000;

/** Reading telemetry as a time series (for charts), and the study's plausibility policy. */
export class SeriesService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
  ) {}

  async series(actor: Actor, participantId: string, input: unknown): Promise<Result<Series>> {
    const scoped = await participantInScope(
      this.deps,
      this.authorizer,
      actor,
      'telemetry.read',
      participantId,
    );
    if (!scoped.ok) return scoped;
    const { participant } = scoped.value;
    const parsed = seriesQuery.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error, 'The series query is invalid.'));
    if (participant.status === 'erased')
      return err(appError('PARTICIPANT_ERASED', 'The participant was erased.'));
    const to = parsed.data.to ?? this.deps.clock.now().getTime();
    const from = parsed.data.from ?? to - DAY;
    if (from > to) return err(appError('VALIDATION_FAILED', '`from` must not be after `to`.'));
    const key = await this.deps.keyring.participantKey(this.deps.db, participant.id);
    if (!key.ok) return key;
    const code = METRICS[parsed.data.metric].code;
    const accepted: [number, number][] = [];
    const quarantined: Series['quarantined'] = [];
    for (const row of await repo.blocksInRange(this.deps.db, participant.id, code, from, to)) {
      const context = blockContext(participant.study_id, participant.id, row.upload_id, code);
      const plain = openField(key.value.key, context, Buffer.from(row.sealed, 'base64'));
      const block = plain === null ? null : decodeBlock(plain);
      if (block === null)
        return err(
          appError('INTEGRITY_ERROR', 'A telemetry block failed its integrity check.', {
            upload: row.upload_id,
          }),
        );
      for (let i = 0; i < block.times.length; i++) {
        const t = block.times[i] as number;
        if (t < from || t > to) continue;
        const v = block.values[i] as number;
        const bits = block.flags[i] as number;
        if (bits === 0) accepted.push([t, v]);
        else if (quarantined.length < QUARANTINE_CAP) quarantined.push({ t, v, flags: flagNames(bits) });
      }
    }
    accepted.sort((a, b) => a[0] - b[0]);
    quarantined.sort((a, b) => a.t - b.t);
    const points = downsample(accepted, parsed.data.points ?? 1000, from, to);
    return ok({
      metric: parsed.data.metric,
      unit: METRICS[parsed.data.metric].unitLabel,
      from,
      to,
      total: accepted.length,
      downsampled: points.length < accepted.length,
      points,
      quarantined,
    });
  }

  async policy(actor: Actor, studyRef: string): Promise<Result<TelemetryPolicy>> {
    const known = await knownStudy(this.deps, studyRef);
    if (!known.ok) return known;
    const study = known.value;
    const permit = await this.authorizer.authorize(actor, 'study.read', {
      studyId: study.id,
      resource: 'study',
    });
    if (!permit.ok) return permit;
    const overrides = await overridesFor(this.deps, this.deps.db, study.id);
    return overrides.ok ? ok(effectivePolicy(overrides.value)) : overrides;
  }

  /** Study-specific limits (study administrators), with a reason; audited. */
  async setPolicy(actor: Actor, studyRef: string, input: unknown): Promise<Result<TelemetryPolicy>> {
    const known = await knownStudy(this.deps, studyRef);
    if (!known.ok) return known;
    const study = known.value;
    const permit = await this.authorizer.authorize(actor, 'study.manage', {
      studyId: study.id,
      resource: 'study',
    });
    if (!permit.ok) return permit;
    const parsed = policyBody.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error, 'The telemetry policy is invalid.'));
    const policy = effectivePolicy(parsed.data.overrides);
    for (const name of METRIC_NAMES) {
      if (policy[name].min >= policy[name].max)
        return err(appError('VALIDATION_FAILED', `The ${name} minimum must be below its maximum.`));
    }
    return transact(this.deps.db, async (trx) => {
      // A closed study's configuration is final, as its schedule is (review s13, H7).
      const closed = await refuseClosed(this.deps, trx, study.id);
      if (!closed.ok) return closed;
      await repo.savePolicy(
        trx,
        study.id,
        JSON.stringify(parsed.data.overrides),
        this.deps.clock.now().toISOString(),
      );
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'telemetry.policy',
        studyId: study.id,
        reason: parsed.data.reason,
        details: { overrides: parsed.data.overrides },
        seals: [[TELEMETRY_POLICIES, [study.id]]],
      });
      return ok(policy);
    });
  }
}

/** At most `target` points: per time bucket, the minimum and the maximum in time order. */
export function downsample(
  points: [number, number][],
  target: number,
  from: number,
  to: number,
): [number, number][] {
  if (points.length <= target) return points;
  const buckets = Math.max(1, Math.floor(target / 2));
  const width = (to - from + 1) / buckets;
  const out: [number, number][] = [];
  let i = 0;
  for (let b = 0; b < buckets && i < points.length; b++) {
    const end = from + (b + 1) * width;
    let min: [number, number] | undefined;
    let max: [number, number] | undefined;
    for (; i < points.length && (points[i] as [number, number])[0] < end; i++) {
      const p = points[i] as [number, number];
      if (min === undefined || p[1] < min[1]) min = p;
      if (max === undefined || p[1] > max[1]) max = p;
    }
    if (min === undefined || max === undefined) continue;
    if (min === max) out.push(min);
    else out.push(...(min[0] <= max[0] ? [min, max] : [max, min]));
  }
  return out;
}
