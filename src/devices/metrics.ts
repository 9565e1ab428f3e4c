import { z } from 'zod';

/**
 * The metrics a device may send, by code (the first element of a sample), with their one unit and the
 * default plausibility limits. A study can override any limit (telemetry policy).
 */
export const METRICS = {
  heart_rate: { code: 1, unit: 1, unitLabel: '/min' },
  spo2: { code: 2, unit: 2, unitLabel: '%' },
  glucose: { code: 3, unit: 3, unitLabel: 'mg/dL' },
  systolic_bp: { code: 4, unit: 4, unitLabel: 'mm[Hg]' },
  diastolic_bp: { code: 5, unit: 4, unitLabel: 'mm[Hg]' },
  temperature: { code: 6, unit: 5, unitLabel: 'Cel' },
  steps: { code: 7, unit: 6, unitLabel: '{steps}' },
} as const;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
const BY_CODE = new Map(METRIC_NAMES.map((name) => [METRICS[name].code as number, name]));

export function metricByCode(code: number): MetricName | undefined {
  return BY_CODE.get(code);
}

export interface MetricLimits {
  readonly min: number;
  readonly max: number;
  /** Largest physiological change per second between consecutive samples; null: not checked. */
  readonly maxRatePerSecond: number | null;
  /** Nominal sampling period: consecutive samples closer than half of it are flagged; null: irregular. */
  readonly periodMs: number | null;
  /** This many identical consecutive values is a flat line (a stuck or spoofed sensor); null: off. */
  readonly flatlineRun: number | null;
}

export type TelemetryPolicy = Readonly<Record<MetricName, MetricLimits>>;

/**
 * Defaults for adults at rest and in daily life, wide enough for arrhythmia, hypoxaemia, hypo- and
 * hyperglycaemia and fever; narrower limits belong in a study's own policy.
 */
export const DEFAULT_POLICY: TelemetryPolicy = {
  heart_rate: { min: 25, max: 250, maxRatePerSecond: 30, periodMs: 1000, flatlineRun: 120 },
  spo2: { min: 50, max: 100, maxRatePerSecond: 10, periodMs: 1000, flatlineRun: 900 },
  glucose: { min: 20, max: 600, maxRatePerSecond: 0.1, periodMs: 60_000, flatlineRun: 24 },
  systolic_bp: { min: 50, max: 260, maxRatePerSecond: null, periodMs: null, flatlineRun: null },
  diastolic_bp: { min: 25, max: 160, maxRatePerSecond: null, periodMs: null, flatlineRun: null },
  temperature: { min: 30, max: 43, maxRatePerSecond: 0.05, periodMs: 1000, flatlineRun: null },
  steps: { min: 0, max: 300, maxRatePerSecond: null, periodMs: 60_000, flatlineRun: null },
};

const limits = z
  .strictObject({
    min: z.number(),
    max: z.number(),
    maxRatePerSecond: z.number().positive().nullable(),
    periodMs: z.number().int().positive().nullable(),
    flatlineRun: z.number().int().min(2).nullable(),
  })
  .partial()
  .refine((l) => l.min === undefined || l.max === undefined || l.min < l.max, 'min must be below max');

/** A study's overrides: any metric, any limit; the rest stays at the defaults. */
export const policyOverrides = z.strictObject(
  Object.fromEntries(METRIC_NAMES.map((m) => [m, limits.optional()])) as Record<
    MetricName,
    z.ZodOptional<typeof limits>
  >,
);
export type PolicyOverrides = z.infer<typeof policyOverrides>;

export function effectivePolicy(overrides: PolicyOverrides | undefined): TelemetryPolicy {
  const policy = { ...DEFAULT_POLICY } as Record<MetricName, MetricLimits>;
  for (const name of METRIC_NAMES) {
    const o = overrides?.[name];
    if (o !== undefined) policy[name] = { ...policy[name], ...(stripUndefined(o) as Partial<MetricLimits>) };
  }
  return policy;
}

function stripUndefined(o: object): object {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
