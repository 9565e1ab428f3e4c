import { createHash, type KeyObject } from 'node:crypto';
import { decodeStrict } from './cbor.js';
import { algorithmOf, HEADER, parseSign1, verifySign1 } from './cose-sign1.js';
import type { MetricName } from './metrics.js';
import { externalAad, parseMessage, type TelemetryMessage } from './telemetry-message.js';

/** Why an upload was refused: each check has its own code (docs/telemetry.md). */
export const REFUSALS = [
  'TOO_LARGE',
  'CBOR_INVALID',
  'COSE_INVALID',
  'CRIT_UNKNOWN',
  'ALG_UNSUPPORTED',
  'DEVICE_UNKNOWN',
  'DEVICE_PENDING',
  'DEVICE_SUSPENDED',
  'DEVICE_REVOKED',
  'WRONG_PARTICIPANT',
  'SIGNATURE_INVALID',
  'PAYLOAD_INVALID',
  'REPLAY',
  'CLOCK_SKEW',
  'SAMPLE_ORDER',
] as const;
export type Refusal = (typeof REFUSALS)[number];

export interface Refused {
  readonly ok: false;
  readonly reason: Refusal;
  readonly message: string;
  /** The device, when the upload named a registered one. */
  readonly device?: KnownDevice;
}

/** What the checks need of a registered device (cached while the access epoch holds). */
export interface KnownDevice {
  readonly id: string;
  readonly studyId: string;
  readonly participantId: string;
  readonly status: 'pending' | 'active' | 'suspended' | 'revoked';
  readonly participantErased: boolean;
  readonly alg: number | null;
  readonly key: KeyObject | null;
  readonly metrics: ReadonlySet<MetricName>;
}

export interface Checked {
  readonly ok: true;
  readonly device: KnownDevice;
  readonly message: TelemetryMessage;
  readonly messageHash: Buffer;
}

/** The upload size cap, checked before a single byte is parsed. */
export const MAX_UPLOAD_BYTES = 256 * 1024;

const refuse = (reason: Refusal, message: string, device?: KnownDevice): Refused =>
  device === undefined ? { ok: false, reason, message } : { ok: false, reason, message, device };

/**
 * The checks that need no sequence state, in the documented order: size, strict CBOR, COSE structure
 * and crit, the device (registered, active, bound to the study and participant the upload is for),
 * the signature over the exact received bytes, then the payload. Sequence, clock and plausibility
 * checks follow in the upload's transaction.
 */
export async function checkUpload(
  bytes: Uint8Array,
  target: { readonly studyId: string; readonly participantId: string; readonly audience: string },
  findDevice: (id: string) => Promise<KnownDevice | undefined>,
): Promise<Checked | Refused> {
  if (bytes.length > MAX_UPLOAD_BYTES)
    return refuse('TOO_LARGE', `uploads are at most ${MAX_UPLOAD_BYTES} bytes`);
  const decoded = decodeStrict(bytes);
  if (!decoded.ok)
    return refuse(
      'CBOR_INVALID',
      `not strict deterministic CBOR (${decoded.reason} at byte ${decoded.offset})`,
    );
  const parsed = parseSign1(decoded.value, { requireTag: true });
  if (!parsed.ok) {
    const reason =
      parsed.reason === 'unknown-critical-header'
        ? 'CRIT_UNKNOWN'
        : parsed.reason === 'unsupported-alg' || parsed.reason === 'missing-alg'
          ? 'ALG_UNSUPPORTED'
          : 'COSE_INVALID';
    return refuse(reason, `not a COSE_Sign1 this server accepts (${parsed.reason})`);
  }
  const sign1 = parsed.value;
  const kid = sign1.protectedHeader.get(HEADER.kid) ?? sign1.unprotectedHeader.get(HEADER.kid);
  if (!(kid instanceof Uint8Array) || kid.length === 0 || kid.length > 64)
    return refuse('COSE_INVALID', 'the kid header must name the device');
  const deviceId = Buffer.from(kid).toString('utf8');
  const device = await findDevice(deviceId);
  if (device === undefined) return refuse('DEVICE_UNKNOWN', 'no device is registered under this kid');
  if (device.status === 'pending') return refuse('DEVICE_PENDING', 'the device has not enrolled', device);
  if (device.status === 'suspended') return refuse('DEVICE_SUSPENDED', 'the device is suspended', device);
  if (device.status === 'revoked' || device.participantErased)
    return refuse('DEVICE_REVOKED', 'the device is revoked', device);
  if (device.studyId !== target.studyId || device.participantId !== target.participantId)
    return refuse('WRONG_PARTICIPANT', 'the device is bound to another participant or study', device);
  const aad = externalAad(target.studyId, target.participantId, target.audience);
  if (device.key === null || algorithmOf(sign1) !== device.alg || !verifySign1(sign1, device.key, aad))
    return refuse(
      'SIGNATURE_INVALID',
      "the signature does not verify with the device's key and binding",
      device,
    );
  const payload = decodeStrict(sign1.payload);
  if (!payload.ok)
    return refuse('PAYLOAD_INVALID', `the payload is not strict CBOR (${payload.reason})`, device);
  const message = parseMessage(payload.value);
  if (!message.ok) return refuse('PAYLOAD_INVALID', message.problem, device);
  if (message.value.device !== deviceId)
    return refuse('PAYLOAD_INVALID', 'the payload names another device', device);
  for (const series of message.value.series) {
    if (!device.metrics.has(series.metric))
      return refuse('PAYLOAD_INVALID', `the device is not registered for ${series.metric}`, device);
  }
  return {
    ok: true,
    device,
    message: message.value,
    messageHash: createHash('sha256').update(bytes).digest(),
  };
}
