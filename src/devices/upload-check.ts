import { createHash, type KeyObject } from 'node:crypto';
import { decodeStrict } from './cbor.js';
import { ALG, kidOf, parseSign1, type Sign1Failure, verifySign1 } from './cose-sign1.js';
import type { MetricName } from './metrics.js';
import { isMalleableForm } from './signature-form.js';
import { externalAad, parseMessage, type TelemetryMessage } from './telemetry-message.js';

/** Why an upload was refused: each check has its own code (docs/telemetry.md). */
export const REFUSALS = [
  'TOO_LARGE',
  'CBOR_INVALID',
  'COSE_INVALID',
  'UNPROTECTED_HEADER',
  'CRIT_UNKNOWN',
  'ALG_UNSUPPORTED',
  'DEVICE_UNKNOWN',
  'DEVICE_PENDING',
  'DEVICE_SUSPENDED',
  'DEVICE_REVOKED',
  'WRONG_PARTICIPANT',
  'SIGNATURE_MALLEABLE',
  'SIGNATURE_INVALID',
  'PAYLOAD_INVALID',
  'STUDY_CLOSED',
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

/** The reason code of each structural failure of the COSE_Sign1 (docs/telemetry.md, checks 2 and 3). */
const SIGN1_REFUSAL: Record<Sign1Failure, Refusal> = {
  'not-tagged': 'COSE_INVALID',
  'wrong-tag': 'COSE_INVALID',
  'not-sign1': 'COSE_INVALID',
  'protected-header-not-deterministic': 'CBOR_INVALID',
  'bad-protected-header': 'COSE_INVALID',
  'empty-protected-header': 'COSE_INVALID',
  'unprotected-header': 'UNPROTECTED_HEADER',
  'duplicate-header-label': 'COSE_INVALID',
  'unknown-critical-header': 'CRIT_UNKNOWN',
  'missing-alg': 'ALG_UNSUPPORTED',
  'unsupported-alg': 'ALG_UNSUPPORTED',
  'missing-kid': 'COSE_INVALID',
  'detached-payload': 'COSE_INVALID',
};

const refuse = (reason: Refusal, message: string, device?: KnownDevice): Refused =>
  device === undefined ? { ok: false, reason, message } : { ok: false, reason, message, device };

/**
 * The checks that need no sequence state, in the documented order: size, strict CBOR (message, protected
 * header, payload), COSE structure, headers and crit, the device (registered, active, bound to the study and participant the upload is for),
 * the signature's form, the signature over the exact received bytes, then the payload's fields. Sequence, clock and plausibility
 * checks follow in the upload's transaction.
 */
export async function checkUpload(
  bytes: Uint8Array,
  target: { readonly studyId: string; readonly participantId: string; readonly audience: string },
  findDevice: (id: string) => Promise<KnownDevice | undefined>,
): Promise<Checked | Refused> {
  if (bytes.length > MAX_UPLOAD_BYTES)
    return refuse('TOO_LARGE', `uploads are at most ${MAX_UPLOAD_BYTES} bytes`);
  // Deterministic CBOR at every level (RFC 8949 section 4.2.1): the message, the protected header it
  // wraps and the payload. Any other encoding of the same meaning is CBOR_INVALID, wherever it is.
  const decoded = decodeStrict(bytes);
  if (!decoded.ok)
    return refuse(
      'CBOR_INVALID',
      `not strict deterministic CBOR (${decoded.reason} at byte ${decoded.offset})`,
    );
  const parsed = parseSign1(decoded.value, 'device');
  if (!parsed.ok)
    return refuse(SIGN1_REFUSAL[parsed.reason], `not a COSE_Sign1 this server accepts (${parsed.reason})`);
  const sign1 = parsed.value;
  const payload = decodeStrict(sign1.payload);
  if (!payload.ok)
    return refuse(
      'CBOR_INVALID',
      `the payload is not strict deterministic CBOR (${payload.reason} at byte ${payload.offset})`,
    );
  const deviceId = Buffer.from(kidOf(sign1) ?? []).toString('utf8');
  const device = await findDevice(deviceId);
  if (device === undefined) return refuse('DEVICE_UNKNOWN', 'no device is registered under this kid');
  if (device.status === 'pending') return refuse('DEVICE_PENDING', 'the device has not enrolled', device);
  if (device.status === 'suspended') return refuse('DEVICE_SUSPENDED', 'the device is suspended', device);
  if (device.status === 'revoked' || device.participantErased)
    return refuse('DEVICE_REVOKED', 'the device is revoked', device);
  if (device.studyId !== target.studyId || device.participantId !== target.participantId)
    return refuse('WRONG_PARTICIPANT', 'the device is bound to another participant or study', device);
  if (device.key === null || sign1.alg !== device.alg)
    return refuse(
      'SIGNATURE_INVALID',
      "the signature does not verify with the device's key and binding",
      device,
    );
  // The other form of a signature (ES256 s > n/2, EdDSA S >= L) is refused by name: a relay that flips
  // it would otherwise have its copy accepted and the device's own bytes refused as a REPLAY.
  if (isMalleableForm(sign1.alg === ALG.EdDSA ? 'EdDSA' : 'ES256', sign1.signature))
    return refuse(
      'SIGNATURE_MALLEABLE',
      'the signature is not in its one accepted form (ES256: low S; EdDSA: S below the group order)',
      device,
    );
  const aad = externalAad(target.studyId, target.participantId, target.audience);
  if (!verifySign1(sign1, device.key, aad))
    return refuse(
      'SIGNATURE_INVALID',
      "the signature does not verify with the device's key and binding",
      device,
    );
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
