import type { MetricName } from './metrics.js';
import type { SampleFlag } from './plausibility.js';

export type { MetricLimits, MetricName, TelemetryPolicy } from './metrics.js';
export type { SampleFlag } from './plausibility.js';

/** What the device and telemetry routes answer (node-free: the web app imports these types). */
export interface DeviceView {
  readonly id: string;
  readonly participantId: string;
  readonly model: string;
  /** Only with a reveal (a HIPAA device identifier). */
  readonly serial?: string;
  readonly firmware: string;
  readonly metrics: MetricName[];
  readonly status: 'pending' | 'active' | 'suspended' | 'revoked';
  readonly statusReason: string | null;
  readonly alg: 'EdDSA' | 'ES256' | null;
  readonly createdAt: string;
  readonly enrolledAt: string | null;
  readonly lastUploadAt: string | null;
  readonly uploadsAccepted: number;
  readonly uploadsRefused: number;
  readonly samplesQuarantined: number;
  readonly lastFlags: string[];
}

/** What a device needs to sign uploads: its id and the binding that goes into external_aad. */
export interface Enrollment {
  readonly deviceId: string;
  readonly studyId: string;
  readonly participantId: string;
  readonly audience: string;
}

/** A registered device and its one-time enrollment code (shown once, valid 24 hours). */
export interface Registration {
  readonly device: DeviceView;
  readonly enrollmentCode: string;
  readonly expiresAt: string;
}

export interface Series {
  readonly metric: MetricName;
  readonly unit: string;
  readonly from: number;
  readonly to: number;
  /** Accepted samples in the range, before downsampling. */
  readonly total: number;
  readonly downsampled: boolean;
  /** [time ms, value], time-ordered; min and max per bucket when downsampled, so spikes survive. */
  readonly points: [number, number][];
  /** Every quarantined sample in the range (up to a cap), with why. */
  readonly quarantined: { t: number; v: number; flags: SampleFlag[] }[];
}
