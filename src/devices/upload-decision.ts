import type { AuditEventInput } from '../ledger/audit-event.js';
import type { SealTarget } from '../ledger/row-seal-store.js';
import type { SequenceFlag } from './device-state.js';
import { DEVICES } from './devices-bindings.js';
import type { SampleFlag } from './plausibility.js';
import type { KnownDevice, Refused } from './upload-check.js';

export type UploadFlag = SequenceFlag | 'DUPLICATE_CONTENT';

export interface Receipt {
  readonly uploadId: string;
  readonly deviceId: string;
  readonly boot: number;
  readonly seq: number;
  /** SHA-256 of the upload's bytes, also in its audit event (the ledger commits to it). */
  readonly messageHash: string;
  readonly samples: number;
  readonly quarantined: number;
  readonly flags: UploadFlag[];
  /** Quarantined samples by reason. */
  readonly sampleFlags: Partial<Record<SampleFlag, number>>;
}

/** An upload refused because a row it depends on failed its seal (issue #17): ROW_TAMPERED, not a refusal code. */
export interface Tampered {
  readonly ok: false;
  readonly reason: 'ROW_TAMPERED';
  readonly message: string;
  readonly device?: undefined;
  readonly deviceId: string;
  readonly table: 'devices' | 'telemetry_policies' | 'studies';
}

export type Decision =
  | {
      readonly ok: true;
      readonly receipt: Receipt;
      readonly device: KnownDevice;
      /** The digests of the stored upload and of its blocks (upload-digest.ts), for its audit event. */
      readonly stored?: { readonly upload: string; readonly blocks: string };
    }
  | Refused
  | Tampered;

export const tampered = (deviceId: string, table: Tampered['table']): Tampered => ({
  ok: false,
  reason: 'ROW_TAMPERED',
  message: `a stored ${table === 'devices' ? 'device' : 'telemetry policy'} failed its integrity check`,
  deviceId,
  table,
});

/** The audit event of one upload's decision (21 CFR 11.10(e)): one per upload, accepted or not. */
export function auditOf(decision: Decision): AuditEventInput {
  if (decision.ok) {
    const r = decision.receipt;
    return {
      actor: { kind: 'device', id: r.deviceId },
      action: 'telemetry.upload',
      outcome: 'success',
      studyId: decision.device.studyId,
      participantId: decision.device.participantId,
      target: r.deviceId,
      details: {
        upload: r.uploadId,
        boot: r.boot,
        seq: r.seq,
        messageHash: r.messageHash,
        samples: r.samples,
        quarantined: r.quarantined,
        flags: r.flags,
        sampleFlags: r.sampleFlags,
        ...(decision.stored === undefined
          ? {}
          : { uploadDigest: decision.stored.upload, blocksDigest: decision.stored.blocks }),
      },
    };
  }
  if (decision.reason === 'ROW_TAMPERED')
    return {
      actor: { kind: 'device', id: decision.deviceId },
      action: 'telemetry.upload',
      outcome: 'failure',
      target: decision.deviceId,
      details: { reason: decision.reason, table: decision.table },
    };
  const device = decision.device;
  return {
    actor: { kind: 'device', id: device?.id ?? 'unknown' },
    action: 'telemetry.upload',
    outcome: 'failure',
    studyId: device?.studyId ?? null,
    participantId: device?.participantId ?? null,
    target: device?.id ?? null,
    details: { reason: decision.reason, message: decision.message },
  };
}

/**
 * The batch's events at `at`, the last event naming each device sealing its row (issue #17): a device's
 * sequence state and counters never change without an event. Forged rows are not resealed.
 */
export function withDeviceSeals(
  events: readonly AuditEventInput[],
  decisions: readonly Decision[],
  forged: ReadonlySet<string>,
  at: string,
): AuditEventInput[] {
  const sealedBy = new Map<string, number>();
  for (const [i, decision] of decisions.entries())
    if (decision.device !== undefined && !forged.has(decision.device.id)) sealedBy.set(decision.device.id, i);
  const seals = new Map<number, SealTarget[]>();
  for (const [id, i] of sealedBy) seals.set(i, [...(seals.get(i) ?? []), [DEVICES, [id]] as const]);
  return events.map((e, i) => {
    const rows = seals.get(i);
    return rows === undefined ? { ...e, at } : { ...e, at, seals: rows };
  });
}
