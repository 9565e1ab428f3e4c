import { z } from 'zod';
import { describes } from '../core/describes.js';
import { reasonSchema } from '../core/reason.js';
import type { DeviceView, Enrollment, Registration, Series, TelemetryPolicy } from './devices-view.js';
import { METRIC_NAMES, type MetricName, policyOverrides } from './metrics.js';
import { SAMPLE_FLAGS, type SampleFlag } from './plausibility.js';
import { REFUSALS } from './upload-check.js';

/**
 * The request and answer schemas of the device and telemetry routes: the services validate requests
 * with them, and the OpenAPI document (GET /api/openapi.json) describes both with them (ASVS 2.1.1:
 * documented input rules; ASVS 2.2.1: validated against the expected structure).
 */
const metric = z.enum(METRIC_NAMES as [MetricName, ...MetricName[]]);
const timestamp = z.string().describe('UTC, ISO 8601');
const sampleFlag = z.enum(Object.keys(SAMPLE_FLAGS) as [SampleFlag, ...SampleFlag[]]);
const uploadFlag = z.enum(['CHAIN_GAP', 'CHAIN_FORK', 'OUT_OF_ORDER', 'CLOCK_DRIFT', 'DUPLICATE_CONTENT']);

export const registrationBody = z.strictObject({
  model: z.string().trim().min(1).max(100),
  serial: z.string().trim().min(1).max(100).describe('A HIPAA device identifier: stored sealed'),
  firmware: z.string().trim().min(1).max(100),
  metrics: z.array(metric).min(1),
});

export const enrollmentBody = z.strictObject({
  code: z.string().regex(/^tve_[A-Za-z0-9_-]{20,64}$/, 'an enrollment code'),
  alg: z.enum(['EdDSA', 'ES256']),
  publicKey: z
    .string()
    .regex(/^[A-Za-z0-9_-]{40,100}$/, 'a base64url public key')
    .describe('Raw, base64url: 32 bytes (Ed25519) or the 65-byte uncompressed P-256 point'),
});

export const statusBody = z.strictObject({
  status: z.enum(['active', 'suspended', 'revoked']),
  reason: reasonSchema,
});

export const policyBody = z.strictObject({ overrides: policyOverrides, reason: reasonSchema });

export const deviceView = describes<DeviceView>()(
  z.strictObject({
    id: z.string(),
    participantId: z.string(),
    model: z.string(),
    serial: z.string().optional().describe('Only with a reveal (GET /api/v1/devices/{id}/serial)'),
    firmware: z.string(),
    metrics: z.array(metric),
    status: z.enum(['pending', 'active', 'suspended', 'revoked']),
    statusReason: z.string().nullable(),
    alg: z.enum(['EdDSA', 'ES256']).nullable(),
    createdAt: timestamp,
    enrolledAt: timestamp.nullable(),
    lastUploadAt: timestamp.nullable(),
    uploadsAccepted: z.number().int(),
    uploadsRefused: z.number().int(),
    samplesQuarantined: z.number().int(),
    lastFlags: z.array(z.string()),
  }),
);

export const registrationAnswer = describes<Registration>()(
  z.strictObject({
    device: deviceView,
    enrollmentCode: z.string().describe('One-time, shown once, valid 24 hours'),
    expiresAt: timestamp,
  }),
);

export const devicePage = z.strictObject({
  items: z.array(deviceView),
  limit: z.number().int(),
  offset: z.number().int(),
  total: z.number().int().optional(),
});

export const enrollmentAnswer = describes<Enrollment>()(
  z.strictObject({
    deviceId: z.string(),
    studyId: z.string(),
    participantId: z.string(),
    audience: z.string().describe('The server audience, the last element of external_aad'),
  }),
);

export const serialAnswer = z.strictObject({ serial: z.string() });

/** The raw upload body: one COSE_Sign1 (docs/telemetry.md), described as binary in OpenAPI. */
export const UPLOAD_BODY_SCHEMA = {
  type: 'string',
  format: 'binary',
  contentMediaType: 'application/cose',
  maxLength: 256 * 1024,
  description:
    'One COSE_Sign1 (RFC 9052, tag 18) in deterministic CBOR, at most 256 KiB: alg and kid in the protected header, the unprotected header empty, ES256 signatures low-S (docs/telemetry.md)',
} as const;

export const uploadReceipt = z.strictObject({
  uploadId: z.string(),
  deviceId: z.string(),
  boot: z.number().int(),
  seq: z.number().int(),
  messageHash: z.string().describe('SHA-256 of the upload bytes, hex; also in its audit event'),
  samples: z.number().int(),
  quarantined: z.number().int(),
  flags: z.array(uploadFlag),
  sampleFlags: z.strictObject(
    Object.fromEntries(Object.keys(SAMPLE_FLAGS).map((f) => [f, z.number().int().optional()])) as Record<
      SampleFlag,
      z.ZodOptional<z.ZodNumber>
    >,
  ),
});

/** The 422 answer to a refused upload: TELEMETRY_REFUSED with one reason code. */
export const uploadRefusal = z.strictObject({
  error: z.strictObject({
    code: z.literal('TELEMETRY_REFUSED'),
    message: z.string(),
    details: z.strictObject({ reason: z.enum(REFUSALS) }),
  }),
});

export const seriesAnswer = describes<Series>()(
  z.strictObject({
    metric,
    unit: z.string(),
    from: z.number().int().describe('ms since the epoch'),
    to: z.number().int(),
    total: z.number().int(),
    downsampled: z.boolean(),
    points: z.array(z.tuple([z.number(), z.number()])).describe('[time ms, value], time-ordered'),
    quarantined: z.array(z.strictObject({ t: z.number(), v: z.number(), flags: z.array(sampleFlag) })),
  }),
);

const limits = z.strictObject({
  min: z.number(),
  max: z.number(),
  maxRatePerSecond: z.number().nullable(),
  periodMs: z.number().int().nullable(),
  flatlineRun: z.number().int().nullable(),
});

export const policyAnswer = describes<TelemetryPolicy>()(
  z.strictObject(
    Object.fromEntries(METRIC_NAMES.map((m) => [m, limits])) as Record<MetricName, typeof limits>,
  ),
);
