import { AccessCache } from '../authz/access-cache.js';
import { accessEpoch } from '../authz/repo.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { AuditEventInput } from '../ledger/audit-event.js';
import { appendAuditEvents } from '../ledger/audit-repo.js';
import { followLedger } from '../ledger/ledger-tail.js';
import { rowTampered } from '../ledger/row-seal-store.js';
import { type Tx, transact } from '../storage/transact.js';
import { refuseClosed } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import { acceptUpload, type DeviceEntry, stateOf } from './accept-upload.js';
import { ALG, publicKeyFromRaw } from './cose-sign1.js';
import { telemetryAudience } from './device-service.js';
import { openLastSamples, sealLastSamples } from './last-samples.js';
import type { MetricName, TelemetryPolicy } from './metrics.js';
import * as repo from './repo.js';
import { policyFor } from './telemetry-policy.js';
import { trustDevice } from './trusted-device.js';
import { type Checked, checkUpload, type KnownDevice, type Refused } from './upload-check.js';
import {
  auditOf,
  type Decision,
  type Receipt,
  type Tampered,
  tampered,
  withDeviceSeals,
} from './upload-decision.js';

export type { Decision, Receipt, Tampered, UploadFlag } from './upload-decision.js';

export interface UploadTarget {
  readonly studyId: string;
  readonly participantId: string;
}

interface Pending {
  readonly bytes: Uint8Array;
  readonly target: UploadTarget;
  readonly resolve: (decision: Decision) => void;
  readonly reject: (error: unknown) => void;
}

/** Uploads decided in one transaction at most: one commit (one fsync) for many concurrent uploads. */
const MAX_BATCH = 256;

/**
 * Telemetry ingestion. Each upload gets every check in order and one audit event with its decision,
 * in the transaction that stores it; accepted but implausible samples are stored quarantined with their
 * flags, never dropped. Concurrent uploads are decided together in one transaction (group commit).
 */
export class TelemetryService {
  readonly #devices = new AccessCache<KnownDevice | null>();
  #queue: Pending[] = [];
  #flushing = false;
  #audience: string | undefined;

  constructor(private readonly deps: VaultDeps) {}

  /** One upload (POST /api/v1/telemetry): accepted with a receipt, or TELEMETRY_REFUSED with the reason. */
  async ingest(bytes: Uint8Array, target: UploadTarget): Promise<Result<Receipt>> {
    const decision = await new Promise<Decision>((resolve, reject) => {
      this.#queue.push({ bytes, target, resolve, reject });
      if (!this.#flushing) setImmediate(() => void this.#flush());
    });
    if (decision.ok) return ok(decision.receipt);
    if (decision.reason === 'ROW_TAMPERED') return err(rowTampered(decision.table));
    return err(
      appError('TELEMETRY_REFUSED', `Upload refused: ${decision.message}.`, { reason: decision.reason }),
    );
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        try {
          const decisions = await this.ingestMany(batch);
          for (const [i, p] of batch.entries()) p.resolve(decisions[i] as Decision);
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** Decides a batch of uploads, in order, in one transaction; one decision per upload. */
  async ingestMany(uploads: readonly { bytes: Uint8Array; target: UploadTarget }[]): Promise<Decision[]> {
    this.#audience ??= await telemetryAudience(this.deps);
    const audience = this.#audience;
    // A device row another process changed since (a CLI revocation) raises its mark first (S9-1b).
    await followLedger(this.deps.db, this.deps.keyring);
    const epoch = await accessEpoch(this.deps.db);
    const checked: (Checked | Refused | Tampered)[] = [];
    for (const upload of uploads) {
      // A device row that fails its seal is never used to check a signature (issue #17).
      let forged: string | undefined;
      const one = await checkUpload(upload.bytes, { ...upload.target, audience }, async (id) => {
        const device = await this.#device(id, epoch);
        if (device === 'tampered') forged = id;
        return device === 'tampered' ? undefined : device;
      });
      checked.push(forged === undefined ? one : tampered(forged, 'devices'));
    }
    const result = await transact(this.deps.db, async (trx) => ok(await this.#decide(trx, checked)));
    if (!result.ok) throw new Error(`telemetry transaction failed: ${result.error.code}`);
    return result.value;
  }

  async #device(id: string, epoch: number | undefined): Promise<KnownDevice | undefined | 'tampered'> {
    const cached = epoch === undefined ? undefined : this.#devices.get(id, epoch);
    if (cached !== undefined) return cached ?? undefined;
    // Only a row whose seal holds is cached; the epoch drops the entry when the row changes.
    const found = await trustDevice(this.deps, this.deps.db, await repo.findDevice(this.deps.db, id));
    if (!found.ok) return 'tampered';
    const row = found.value;
    const device: KnownDevice | null =
      row === undefined
        ? null
        : {
            id: row.id,
            studyId: row.study_id,
            participantId: row.participant_id,
            status: row.status,
            participantErased: row.participant_status === 'erased',
            alg: row.alg === null ? null : Number(row.alg),
            key:
              row.public_key === null || row.alg === null
                ? null
                : (publicKeyFromRaw(Number(row.alg) === ALG.EdDSA ? ALG.EdDSA : ALG.ES256, row.public_key) ??
                  null),
            metrics: new Set(JSON.parse(row.metrics) as MetricName[]),
          };
    if (epoch !== undefined) this.#devices.set(id, epoch, device);
    return device ?? undefined;
  }

  async #decide(trx: Tx, checked: readonly (Checked | Refused | Tampered)[]): Promise<Decision[]> {
    const now = this.deps.clock.now();
    const at = now.toISOString();
    const decisions: Decision[] = [];
    const events: AuditEventInput[] = [];
    const uploads: repo.UploadRow[] = [];
    const blocks: repo.BlockRow[] = [];
    const policies = new Map<string, TelemetryPolicy | null>();
    const studies = new Map<string, 'open' | 'closed' | 'tampered'>();
    const states = new Map<string, DeviceEntry>();
    const refused = new Map<string, number>();
    /** Devices whose row failed its seal: never updated, never resealed (a forged row is not laundered). */
    const forged = new Set<string>();
    for (const item of checked) {
      let decision: Decision;
      if (!item.ok) {
        decision = item;
      } else if (forged.has(item.device.id)) {
        decision = tampered(item.device.id, 'devices');
      } else {
        let entry = states.get(item.device.id);
        if (entry === undefined) {
          const row = await repo.lockDevice(trx, item.device.id);
          if (row === undefined) throw new Error('a checked device disappeared');
          // The locked row decides status and sequence: checked again, and never resealed if forged.
          if (!(await trustDevice(this.deps, trx, row)).ok) {
            forged.add(item.device.id);
            decisions.push(tampered(item.device.id, 'devices'));
            events.push(auditOf(decisions.at(-1) as Decision));
            continue;
          }
          // The row is locked: its references are the latest, whichever process stored them.
          const key = await this.deps.keyring.participantKey(trx, row.participant_id);
          const participantKey = key.ok ? key.value : null;
          const last = openLastSamples(participantKey, row, row.last_samples);
          entry = { row, state: stateOf(row), seen: new Set(), key: participantKey, last };
          states.set(item.device.id, entry);
        }
        // A closed study is final: it takes no more data (review s13, H7), read in this transaction.
        let open = studies.get(item.device.studyId);
        if (open === undefined) {
          const checked = await refuseClosed(this.deps, trx, item.device.studyId);
          open = checked.ok ? 'open' : checked.error.code === 'STUDY_CLOSED' ? 'closed' : 'tampered';
          studies.set(item.device.studyId, open);
        }
        let policy = policies.get(item.device.studyId);
        if (policy === undefined && open === 'open') {
          const stored = await policyFor(this.deps, trx, item.device.studyId);
          policy = stored.ok ? stored.value : null;
          policies.set(item.device.studyId, policy);
        }
        if (open === 'closed')
          decision = {
            ok: false,
            reason: 'STUDY_CLOSED',
            message: 'The study is closed.',
            device: item.device,
          };
        else if (open === 'tampered') decision = tampered(item.device.id, 'studies');
        else
          decision =
            policy === null || policy === undefined
              ? tampered(item.device.id, 'telemetry_policies')
              : await acceptUpload(this.deps, trx, item, entry, policy, now, { uploads, blocks });
      }
      if (!decision.ok && decision.device !== undefined)
        refused.set(decision.device.id, (refused.get(decision.device.id) ?? 0) + 1);
      decisions.push(decision);
      events.push(auditOf(decision));
    }
    await repo.insertUploads(trx, uploads);
    await repo.insertBlocks(trx, blocks);
    for (const [id, { row, state, key, last }] of states) {
      await repo.updateDevice(trx, id, {
        last_samples: key === null || last.size === 0 ? row.last_samples : sealLastSamples(key, row, last),
        boot: state.boot,
        top_seq: state.top,
        seq_window: state.window.toString(),
        top_hash: state.topHash === null ? null : Buffer.from(state.topHash),
        offset_ms: state.offsetMs,
        last_upload_at: row.last_upload_at,
        uploads_accepted: Number(row.uploads_accepted),
        uploads_refused: Number(row.uploads_refused) + (refused.get(id) ?? 0),
        samples_quarantined: Number(row.samples_quarantined),
        last_flags: row.last_flags,
      });
      refused.delete(id);
    }
    // Refusals of devices that had no accepted upload in the batch are counted too.
    for (const [id, n] of refused) {
      const row = await repo.lockDevice(trx, id);
      if (row !== undefined && (await trustDevice(this.deps, trx, row)).ok)
        await repo.updateDevice(trx, id, { uploads_refused: Number(row.uploads_refused) + n });
      else forged.add(id);
    }
    // 21 CFR 11.10(e): one audit event per upload, accepted or refused, in the same transaction.
    await appendAuditEvents(trx, this.deps, withDeviceSeals(events, decisions, forged, at));
    return decisions;
  }
}
