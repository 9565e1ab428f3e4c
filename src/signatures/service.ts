import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AuthService } from '../access/auth-service.js';
import type { Authorizer } from '../authz/authorizer.js';
import { trustRows } from '../authz/row-tamper.js';
import type { Actor } from '../core/actor.js';
import { canonicalJson } from '../core/canonical-json.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import * as records from '../records/repo.js';
import { trustRecordOn, trustVersionOn } from '../records/trusted-records.js';
import { versionDigest } from '../records/version-digest.js';
import { transact } from '../storage/transact.js';
import { refuseClosed } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import { refuseMissingSignatures } from './missing-signatures.js';
import { insertSignature, listSignatures } from './repo.js';
import { SIGNATURES } from './signatures-bindings.js';
import { SIGNATURE_MEANINGS, type Signature } from './signatures-view.js';

export { SIGNATURE_MEANINGS, type Signature } from './signatures-view.js';

export const signSchema = z.strictObject({
  meaning: z.enum(SIGNATURE_MEANINGS),
  password: z.string().min(1).max(1024),
  totp: z.string().max(16).optional(),
});

/** SHA-256 of the canonical signed content: the record, its version and that version's digest. */
function contentHash(recordId: string, version: records.RecordVersionRow): string {
  return createHash('sha256')
    .update(
      canonicalJson({ record: recordId, version: Number(version.version), digest: versionDigest(version) }),
    )
    .digest('hex');
}

/**
 * Electronic signatures (21 CFR 11.50, 11.70, 11.200): the signer re-enters the password (and a TOTP
 * code for the first signing in a session); the signature shows printed name, UTC time and meaning,
 * is bound to the exact content signed, and shows as invalid once the record changes.
 */
export class SignatureService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
    private readonly auth: AuthService,
  ) {}

  async sign(actor: Actor, recordId: string, input: unknown): Promise<Result<Signature>> {
    const parsed = signSchema.safeParse(input);
    if (!parsed.success)
      return err(appError('VALIDATION_FAILED', 'A signature needs a meaning and your password.'));
    const found = await trustRecordOn(
      this.deps,
      this.deps.db,
      await records.findRecord(this.deps.db, recordId),
    );
    if (!found.ok) return found;
    const record = found.value;
    if (record === undefined) return err(appError('NOT_FOUND', 'No such record.'));
    const permit = await this.authorizer.authorize(actor, 'record.sign', {
      studyId: record.study_id,
      siteId: record.site_id,
    });
    if (!permit.ok) return permit;
    // A closed study takes no more signatures (checked again in the signing transaction).
    const closed = await refuseClosed(this.deps, this.deps.db, record.study_id);
    if (!closed.ok) return closed;
    // Re-authentication first, in its own transaction: a refusal is counted and stays counted.
    const signer = await this.auth.reauthenticate(actor, parsed.data.password, parsed.data.totp);
    if (!signer.ok) return signer;
    return transact(this.deps.db, async (trx) => {
      const stillOpen = await refuseClosed(this.deps, trx, record.study_id);
      if (!stillOpen.ok) return stillOpen;
      // The record and the version signed are the rows their MACs hold for (issue #17).
      const read = await trustRecordOn(this.deps, trx, await records.findRecord(trx, recordId));
      if (!read.ok) return read;
      const current = read.value;
      const readVersion =
        current === undefined
          ? ok(undefined)
          : await trustVersionOn(
              this.deps,
              trx,
              await records.findVersion(trx, recordId, Number(current.version)),
            );
      if (!readVersion.ok) return readVersion;
      const version = readVersion.value;
      if (current === undefined || version === undefined)
        return err(appError('NOT_FOUND', 'No such record.'));
      const signedAt = this.deps.clock.now().toISOString();
      const row = {
        id: newId(),
        record_id: recordId,
        record_version: Number(current.version),
        user_id: actor.kind === 'user' ? actor.id : '',
        printed_name: signer.value.name,
        meaning: parsed.data.meaning,
        content_hash: contentHash(recordId, version),
        signed_at: signedAt,
      };
      await insertSignature(trx, row);
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'record.sign',
        studyId: record.study_id,
        participantId: record.participant_id,
        recordId,
        target: `${record.form_oid}/${record.visit}`,
        details: { version: row.record_version, meaning: row.meaning, contentHash: row.content_hash },
        seals: [[SIGNATURES, [row.id]]],
      });
      return ok(toSignature(row, true));
    });
  }

  /** The record's signatures, each checked against the record as it is now. */
  async list(actor: Actor, recordId: string): Promise<Result<Signature[]>> {
    const found = await trustRecordOn(
      this.deps,
      this.deps.db,
      await records.findRecord(this.deps.db, recordId),
    );
    if (!found.ok) return found;
    const record = found.value;
    if (record === undefined) return err(appError('NOT_FOUND', 'No such record.'));
    const permit = await this.authorizer.authorize(actor, 'record.read', {
      studyId: record.study_id,
      siteId: record.site_id,
    });
    if (!permit.ok) return permit;
    // A signature edited, inserted or copied in SQL is never shown as valid, nor at all (21 CFR 11.70;
    // issue #17): the list is refused with ROW_TAMPERED and the row reported.
    const checked = await trustRows(this.deps, SIGNATURES, await listSignatures(this.deps.db, recordId));
    if (!checked.ok) return checked;
    const rows = checked.value;
    // A signature deleted in SQL is not silently missing either (R17-7).
    const whole = await refuseMissingSignatures(this.deps, recordId, rows);
    if (!whole.ok) return whole;
    const readVersion = await trustVersionOn(
      this.deps,
      this.deps.db,
      await records.findVersion(this.deps.db, recordId, Number(record.version)),
    );
    if (!readVersion.ok) return readVersion;
    const current = readVersion.value;
    const currentHash = current === undefined ? '' : contentHash(recordId, current);
    return ok(
      rows.map((r) =>
        toSignature(r, Number(r.record_version) === Number(record.version) && r.content_hash === currentHash),
      ),
    );
  }
}

function toSignature(
  row: {
    id: string;
    record_id: string;
    record_version: number;
    printed_name: string;
    meaning: string;
    signed_at: string;
    content_hash: string;
  },
  valid: boolean,
): Signature {
  return {
    id: row.id,
    recordId: row.record_id,
    recordVersion: Number(row.record_version),
    printedName: row.printed_name,
    meaning: row.meaning as Signature['meaning'],
    signedAt: row.signed_at,
    contentHash: row.content_hash,
    valid,
  };
}
