import { missingRow, sameRowForChange, trustRowsOn } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { participantsLivingInLog } from '../ledger/repo.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import * as repo from '../vault/repo.js';
import { PARTICIPANT_KEYS, STUDY_KEYS } from '../vault/vault-bindings.js';
import * as studies from './repo.js';

const BATCH = 500;

export interface RotationReport {
  readonly studyId: string;
  readonly protocolId: string;
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly rewrapped: number;
  readonly retiredVersions: number;
}

/**
 * Study key rotation while the server runs (NIST SP 800-57 5.3: cryptoperiods): a new study key,
 * participant keys rewrapped in small transactions, older versions usable until nothing needs them.
 * The participant data keys themselves do not change, so no field is re-encrypted.
 */
/**
 * The authorizer's decision on an operator action, passed in from the composition root (the vault layer
 * sits below access and must not import it).
 */
export type OperatorGate = (actor: Actor, action: 'keys.rotate') => Promise<Result<unknown>>;

export class KeyRotationService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly gate: OperatorGate,
  ) {}

  async rotateStudy(actor: Actor, studyId: string): Promise<Result<RotationReport>> {
    const { db, clock, keyring } = this.deps;
    // Key management is the operator's, on the server with the keys (ASVS 11.1.2): no role holds
    // keys.rotate, so the authorizer refuses anyone else, and audits it (21 CFR 11.10(d)).
    const allowed = await this.gate(actor, 'keys.rotate');
    if (!allowed.ok) return allowed;
    const study = await studies.findStudy(db, studyId);
    if (study === undefined) return err(appError('NOT_FOUND', 'No such study.'));
    const created = await transact(db, async (trx) => {
      const current = await repo.currentStudyKeyVersion(trx, study.id);
      if (current === undefined) return err<number>(appError('KEY_UNAVAILABLE', 'The study has no key.'));
      const next = current + 1;
      await keyring.createStudyKey(trx, study.id, next, clock.now().toISOString());
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'keys.rotate',
        studyId: study.id,
        target: study.protocol_id,
        details: { phase: 'started', fromVersion: current, toVersion: next },
        seals: [[STUDY_KEYS, [study.id, next]]],
      });
      return ok(next);
    });
    if (!created.ok) return created;
    const toVersion = created.value;
    let rewrapped = 0;
    for (;;) {
      const batch = await repo.participantKeysWrappedBefore(db, study.id, toVersion, BATCH);
      if (batch.length === 0) break;
      const result = await transact(db, async (trx) => {
        const done: string[] = [];
        for (const row of batch) {
          // The key row rewrapped is the one read for the batch, unchanged: its event seals it (review
          // s13). Changed in SQL: ROW_TAMPERED; changed by an erasure meanwhile: left to the next batch.
          const same = await sameRowForChange(this.deps, trx, PARTICIPANT_KEYS, row, 'gone');
          if (!same.ok && same.error.code !== 'CONFLICT') return same;
          if (!same.ok) continue;
          const rewrapped = await keyring.rewrap(trx, study.id, row, toVersion);
          if (!rewrapped.ok) return rewrapped;
          if (rewrapped.value) done.push(row.participant_id);
        }
        // Every write of a key row is sealed by an event (issue #17): one per batch of rewraps.
        if (done.length > 0)
          await appendAuditEvent(trx, this.deps, {
            actor,
            action: 'keys.rotate',
            studyId: study.id,
            target: study.protocol_id,
            details: { phase: 'rewrapped', toVersion, count: done.length },
            seals: done.map((id) => [PARTICIPANT_KEYS, [id]] as const),
          });
        return ok(done.length);
      });
      if (!result.ok) return result;
      rewrapped += result.value;
    }
    return transact(db, async (trx) => {
      // A study key is destroyed only when every participant the log names holds a checked key under
      // the new version: a key row hidden in SQL during the rotation would otherwise lose its data for
      // good under a genuine seal (review s13, attack-seals 3).
      const held = await this.#everyKeyRewrapped(trx, study.id, toVersion);
      if (!held.ok) return held;
      const retired = await repo.deleteUnusedStudyKeys(trx, study.id, toVersion);
      const retiredVersions = retired.length;
      for (let v = 1; v < toVersion; v++) keyring.forgetStudyKey(study.id, v);
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'keys.rotate',
        studyId: study.id,
        target: study.protocol_id,
        details: { phase: 'completed', toVersion, rewrapped, retiredVersions },
        // The retired key versions, sealed as deleted: the only legal deletion of a study key.
        seals: retired.map((v) => [STUDY_KEYS, [study.id, v]] as const),
      });
      return ok({
        studyId: study.id,
        protocolId: study.protocol_id,
        fromVersion: toVersion - 1,
        toVersion,
        rewrapped,
        retiredVersions,
      });
    });
  }

  async #everyKeyRewrapped(trx: VaultDeps['db'], studyId: string, toVersion: number): Promise<Result<null>> {
    const living = await participantsLivingInLog(trx, studyId);
    if (living === null)
      return err(
        appError(
          'STORE_DAMAGED',
          'The audit log has a hole: no study key is destroyed. Run "trialvault verify".',
        ),
      );
    const keys = await trustRowsOn(
      this.deps,
      trx,
      PARTICIPANT_KEYS,
      await repo.participantKeysOfStudy(trx, studyId),
    );
    if (!keys.ok) return keys;
    const current = new Set(
      keys.value.filter((k) => k.kek_version === toVersion).map((k) => k.participant_id),
    );
    for (const id of living) if (!current.has(id)) return missingRow(this.deps, trx, PARTICIPANT_KEYS, [id]);
    return ok(null);
  }
}
