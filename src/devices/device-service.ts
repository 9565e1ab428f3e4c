import { createHash, randomBytes } from 'node:crypto';
import type { Authorizer } from '../authz/authorizer.js';
import { trustRows } from '../authz/row-tamper.js';
import { rowForChange } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { followLedger } from '../ledger/ledger-tail.js';
import { getMeta } from '../storage/meta-repo.js';
import { transact } from '../storage/transact.js';
import { refuseClosed } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import { openValue, sealValue } from '../vault/field-cipher.js';
import { ALG, type Algorithm, publicKeyFromRaw } from './cose-sign1.js';
import { enrollmentBody, registrationBody, statusBody } from './device-schemas.js';
import { DEVICES } from './devices-bindings.js';
import type { DeviceView, Enrollment, Registration } from './devices-view.js';
import type { MetricName } from './metrics.js';
import * as repo from './repo.js';
import { deviceInScope, participantInScope } from './scoped.js';
import { trustDevice } from './trusted-device.js';

export type { DeviceView, Enrollment, Registration } from './devices-view.js';

/** A one-time enrollment code: 160 random bits, shown once, stored as SHA-256, valid a day. */
const CODE_BYTES = 20;
const CODE_TTL_MS = 24 * 60 * 60 * 1000;

export const codeHash = (code: string) => createHash('sha256').update(code, 'utf8').digest();

/** The audience in every device's external_aad: this store, so an upload cannot be sent to another. */
export async function telemetryAudience(deps: VaultDeps): Promise<string> {
  return `trialvault:${(await getMeta(deps.db, 'store_id')) ?? 'unknown'}`;
}

/**
 * Devices: a coordinator registers one for a participant and gets a one-time code; the device presents
 * it with its public key; staff suspend, resume and revoke. Every step is audited (21 CFR 11.10(e)).
 */
export class DeviceService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
  ) {}

  async register(actor: Actor, participantId: string, input: unknown): Promise<Result<Registration>> {
    const scoped = await participantInScope(
      this.deps,
      this.authorizer,
      actor,
      'device.manage',
      participantId,
    );
    if (!scoped.ok) return scoped;
    const { participant } = scoped.value;
    if (participant.status === 'erased')
      return err(appError('PARTICIPANT_ERASED', 'The participant was erased.'));
    const parsed = registrationBody.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error, 'The device registration is invalid.'));
    const key = await this.deps.keyring.participantKey(this.deps.db, participant.id);
    if (!key.ok) return key;
    const id = newId();
    const now = this.deps.clock.now();
    const code = `tve_${randomBytes(CODE_BYTES).toString('base64url')}`;
    const expiresAt = new Date(now.getTime() + CODE_TTL_MS).toISOString();
    const row: repo.DeviceRow = {
      id,
      study_id: participant.study_id,
      participant_id: participant.id,
      model: parsed.data.model,
      serial_sealed: sealValue(
        key.value,
        serialContext(participant.study_id, participant.id, id),
        parsed.data.serial,
      ),
      firmware: parsed.data.firmware,
      metrics: JSON.stringify(parsed.data.metrics),
      status: 'pending',
      status_reason: null,
      alg: null,
      public_key: null,
      enrollment_hash: codeHash(code),
      enrollment_expires_at: expiresAt,
      created_at: now.toISOString(),
      enrolled_at: null,
      boot: null,
      top_seq: 0,
      seq_window: '0',
      top_hash: null,
      offset_ms: null,
      last_upload_at: null,
      uploads_accepted: 0,
      uploads_refused: 0,
      samples_quarantined: 0,
      last_flags: '[]',
      last_samples: null,
    };
    return transact(this.deps.db, async (trx): Promise<Result<Registration>> => {
      // A closed study is final: it takes no device (review s13, H7).
      const closed = await refuseClosed(this.deps, trx, participant.study_id);
      if (!closed.ok) return closed;
      await repo.insertDevice(trx, row);
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'device.register',
        studyId: participant.study_id,
        participantId: participant.id,
        target: id,
        details: { model: row.model, firmware: row.firmware, metrics: parsed.data.metrics },
        seals: [[DEVICES, [id]]],
      });
      return ok({ device: toView(row), enrollmentCode: code, expiresAt });
    });
  }

  /** The device's side: the code once, with its public key. Unknown, used and expired codes look alike. */
  async enroll(input: unknown): Promise<Result<Enrollment>> {
    const parsed = enrollmentBody.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error, 'The enrollment request is invalid.'));
    const invalid = appError('UNAUTHENTICATED', 'The enrollment code is invalid, used or expired.');
    // A device enrolled by another process, its pending row put back, is below its mark (S9B-4).
    await followLedger(this.deps.db, this.deps.keyring);
    // A pending device inserted in SQL (an attacker's code) never enrolls (issue #17).
    const found = await trustDevice(
      this.deps,
      this.deps.db,
      await repo.findByEnrollment(this.deps.db, codeHash(parsed.data.code)),
    );
    if (!found.ok) return found;
    const device = found.value;
    const now = this.deps.clock.now().toISOString();
    if (
      device === undefined ||
      device.status !== 'pending' ||
      device.enrollment_expires_at === null ||
      device.enrollment_expires_at <= now
    )
      return err(invalid);
    const alg: Algorithm = parsed.data.alg === 'EdDSA' ? ALG.EdDSA : ALG.ES256;
    const raw = Buffer.from(parsed.data.publicKey, 'base64url');
    if (publicKeyFromRaw(alg, raw) === undefined)
      return err(appError('VALIDATION_FAILED', 'The public key is not a valid key for the algorithm.'));
    const audience = await telemetryAudience(this.deps);
    return transact(this.deps.db, async (trx): Promise<Result<Enrollment>> => {
      // Locked, checked and decided on as stored (review s13): a second enrolment at once finds the
      // code spent. Not compared by MAC: every upload batch reseals a device row.
      const stored = await rowForChange<typeof device>(this.deps, trx, DEVICES, [device.id]);
      if (!stored.ok) return stored;
      const hash = stored.value?.status === 'pending' ? stored.value.enrollment_hash : null;
      if (hash === null || hash === undefined || !Buffer.from(hash).equals(codeHash(parsed.data.code)))
        return err(invalid);
      const closed = await refuseClosed(this.deps, trx, device.study_id);
      if (!closed.ok) return closed;
      // The code is spent in the same statement that binds the key: it can never be used twice.
      await repo.updateDevice(trx, device.id, {
        status: 'active',
        alg,
        public_key: raw,
        enrollment_hash: null,
        enrollment_expires_at: null,
        enrolled_at: now,
      });
      await appendAuditEvent(trx, this.deps, {
        actor: { kind: 'device', id: device.id },
        action: 'device.enroll',
        studyId: device.study_id,
        participantId: device.participant_id,
        target: device.id,
        details: { alg: parsed.data.alg },
        seals: [[DEVICES, [device.id]]],
      });
      return ok({
        deviceId: device.id,
        studyId: device.study_id,
        participantId: device.participant_id,
        audience,
      });
    });
  }

  /** Suspend, resume or revoke (final), with a reason. */
  async setStatus(actor: Actor, deviceId: string, input: unknown): Promise<Result<DeviceView>> {
    const scoped = await deviceInScope(this.deps, this.authorizer, actor, 'device.manage', deviceId);
    if (!scoped.ok) return scoped;
    const { device } = scoped.value;
    const parsed = statusBody.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error, 'A status and a reason are required.'));
    const { status, reason } = parsed.data;
    if (device.status === 'revoked') return err(appError('CONFLICT', 'A revoked device stays revoked.'));
    if (device.status === 'pending' && status === 'active')
      return err(appError('CONFLICT', 'The device has not enrolled yet.'));
    return transact(this.deps.db, async (trx): Promise<Result<DeviceView>> => {
      // Locked, checked and decided on as stored (review s13, H2: a public key written in SQL during a
      // status change was sealed). Not compared by MAC: uploads reseal the row, and would block it.
      const stored = await rowForChange<typeof device>(this.deps, trx, DEVICES, [device.id]);
      if (!stored.ok) return stored;
      if (stored.value?.status === 'revoked')
        return err(appError('CONFLICT', 'A revoked device stays revoked.'));
      if (stored.value?.status === 'pending' && status === 'active')
        return err(appError('CONFLICT', 'The device has not enrolled yet.'));
      await repo.updateDevice(trx, device.id, {
        status,
        status_reason: reason,
        // A revoked device's pending code dies with it.
        ...(status === 'revoked' ? { enrollment_hash: null, enrollment_expires_at: null } : {}),
      });
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'device.status',
        studyId: device.study_id,
        participantId: device.participant_id,
        target: device.id,
        reason,
        details: { from: stored.value?.status ?? device.status, to: status },
        seals: [[DEVICES, [device.id]]],
      });
      return ok(toView({ ...device, status, status_reason: reason }));
    });
  }

  async list(actor: Actor, participantId: string): Promise<Result<DeviceView[]>> {
    const scoped = await participantInScope(
      this.deps,
      this.authorizer,
      actor,
      'telemetry.read',
      participantId,
    );
    if (!scoped.ok) return scoped;
    const { participant } = scoped.value;
    const rows = await trustRows(
      this.deps,
      DEVICES,
      await repo.listForParticipant(this.deps.db, participant.id),
    );
    return rows.ok ? ok(rows.value.map(toView)) : rows;
  }

  /** The serial number, for a caller who may reveal identifiers; the reveal is audited. */
  async serial(actor: Actor, deviceId: string): Promise<Result<string>> {
    const scoped = await deviceInScope(this.deps, this.authorizer, actor, 'device.manage', deviceId);
    if (!scoped.ok) return scoped;
    const { device, permit } = scoped.value;
    if (!permit.reveal.has('identifier'))
      return err(
        appError('FORBIDDEN', 'Revealing a device serial needs a role that reveals identifiers, with MFA.'),
      );
    const key = await this.deps.keyring.participantKey(this.deps.db, device.participant_id);
    if (!key.ok) return key;
    const serial = openValue(
      key.value,
      serialContext(device.study_id, device.participant_id, device.id),
      device.serial_sealed,
    );
    if (!serial.ok) return serial;
    return transact(this.deps.db, async (trx) => {
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'participant.reveal',
        studyId: device.study_id,
        participantId: device.participant_id,
        target: device.id,
        details: { fields: ['device.serial'] },
      });
      return ok(String(serial.value));
    });
  }
}

const serialContext = (studyId: string, participantId: string, deviceId: string) => ({
  studyId,
  participantId,
  recordId: `device/${deviceId}`,
  field: 'serial',
  version: 1,
});

export function toView(row: repo.DeviceRow): DeviceView {
  return {
    id: row.id,
    participantId: row.participant_id,
    model: row.model,
    firmware: row.firmware,
    metrics: JSON.parse(row.metrics) as MetricName[],
    status: row.status,
    statusReason: row.status_reason,
    alg: row.alg === null ? null : Number(row.alg) === ALG.EdDSA ? 'EdDSA' : 'ES256',
    createdAt: row.created_at,
    enrolledAt: row.enrolled_at,
    lastUploadAt: row.last_upload_at,
    uploadsAccepted: Number(row.uploads_accepted),
    uploadsRefused: Number(row.uploads_refused),
    samplesQuarantined: Number(row.samples_quarantined),
    lastFlags: JSON.parse(row.last_flags) as string[],
  };
}
