import { z } from 'zod';
import type { Authorizer } from '../authz/authorizer.js';
import { trustRows } from '../authz/row-tamper.js';
import { rowForChange, sameRowForChange, trustRowOn } from '../authz/tamper-in-tx.js';
import { type Actor, actorLabel } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';
import { knownStudy } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import { ageKeyFingerprint, parseAgeRecipient } from './age-recipient.js';
import { EXPORT_RECIPIENTS, EXPORT_SETTINGS } from './export-bindings.js';
import type { RecipientView } from './export-view.js';
import * as repo from './repo.js';
import { exportSettings } from './settings.js';

export const recipientSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** Unblinded recipients (a data monitoring committee) may receive allocation fields (ICH E9 2.3.1). */
  unblinded: z.boolean().default(false),
  /** The data use agreement a limited data set needs (HIPAA 164.514(e)(4)): its reference and end. */
  duaReference: z.string().trim().min(1).max(200).optional(),
  duaExpiresOn: z.iso.date().optional(),
  /** The recipient's age X25519 public key: its exports are then encrypted to it (issue #16). */
  ageRecipient: z.string().max(200).optional(),
});

const view = (r: repo.RecipientRow): RecipientView => ({
  name: r.name,
  unblinded: r.unblinded === 1,
  duaReference: r.dua_reference,
  duaExpiresOn: r.dua_expires_on,
  ageRecipient: r.age_recipient,
  keyFingerprint: r.age_recipient === null ? null : ageKeyFingerprint(r.age_recipient),
  updatedAt: r.updated_at,
});

/** Export recipients of a study, kept by the study administrator; every change is audited. */
export class Recipients {
  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
  ) {}

  async save(actor: Actor, studyRef: string, input: unknown): Promise<Result<RecipientView>> {
    const parsed = recipientSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error, 'The recipient is invalid.'));
    const key =
      parsed.data.ageRecipient === undefined ? undefined : parseAgeRecipient(parsed.data.ageRecipient);
    if (key !== undefined && !key.ok) return key;
    // The study row only when its MAC holds (review s13, H4/H5: a title or demo flag set in SQL).
    const foundStudy = await knownStudy(this.deps, studyRef);
    if (!foundStudy.ok) return foundStudy;
    const study = foundStudy.value;
    const allowed = await this.authorizer.authorize(actor, 'export.recipients', { studyId: study.id });
    if (!allowed.ok) return allowed;
    const now = this.deps.clock.now().toISOString();
    return transact(this.deps.db, async (trx) => {
      // A forged row is refused, never laundered by the seal of this update (issue #17).
      const found = await trustRowOn(
        this.deps,
        trx,
        EXPORT_RECIPIENTS,
        await repo.findRecipient(trx, study.id, parsed.data.name),
      );
      if (!found.ok) return found;
      const existing = found.value;
      // Locked and the very row read (review s13: a study or name moved under a held lock).
      if (existing !== undefined) {
        const same = await sameRowForChange(this.deps, trx, EXPORT_RECIPIENTS, existing);
        if (!same.ok) return same;
      }
      const row: repo.RecipientRow = {
        id: existing?.id ?? newId(),
        study_id: study.id,
        name: parsed.data.name,
        unblinded: parsed.data.unblinded ? 1 : 0,
        dua_reference: parsed.data.duaReference ?? null,
        dua_expires_on: parsed.data.duaExpiresOn ?? null,
        age_recipient: key?.value ?? null,
        recorded_by: actorLabel(actor),
        created_at: existing?.created_at ?? now,
        updated_at: now,
      };
      if (existing === undefined) await repo.insertRecipient(trx, row);
      else await repo.updateRecipient(trx, row);
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'export.recipient',
        studyId: study.id,
        target: row.name,
        details: {
          unblinded: row.unblinded === 1,
          dua: row.dua_reference,
          duaExpiresOn: row.dua_expires_on,
          key: view(row).keyFingerprint,
        },
        seals: [[EXPORT_RECIPIENTS, [row.id]]],
      });
      return ok(view(row));
    });
  }

  async list(actor: Actor, studyRef: string): Promise<Result<RecipientView[]>> {
    // The study row only when its MAC holds (review s13, H4/H5: a title or demo flag set in SQL).
    const foundStudy = await knownStudy(this.deps, studyRef);
    if (!foundStudy.ok) return foundStudy;
    const study = foundStudy.value;
    const allowed = await this.authorizer.authorize(actor, 'export.recipients', { studyId: study.id });
    if (!allowed.ok) return allowed;
    const rows = await this.deps.db
      .selectFrom('export_recipients')
      .selectAll()
      .where('study_id', '=', study.id)
      .orderBy('name')
      .execute();
    const trusted = await trustRows(this.deps, EXPORT_RECIPIENTS, rows);
    if (!trusted.ok) return trusted;
    return ok(trusted.value.map(view));
  }
  /** Sets the study's k-anonymity threshold (at least 2). */
  async setThreshold(actor: Actor, studyRef: string, k: number): Promise<Result<{ k: number }>> {
    // The study row only when its MAC holds (review s13, H4/H5: a title or demo flag set in SQL).
    const foundStudy = await knownStudy(this.deps, studyRef);
    if (!foundStudy.ok) return foundStudy;
    const study = foundStudy.value;
    const allowed = await this.authorizer.authorize(actor, 'export.recipients', { studyId: study.id });
    if (!allowed.ok) return allowed;
    if (!Number.isSafeInteger(k) || k < 2 || k > 1000)
      return err(appError('VALIDATION_FAILED', 'k must be an integer from 2 to 1000.'));
    const now = this.deps.clock.now().toISOString();
    // The settings row is checked (and made, sealed, on first use) before it is changed.
    const settings = await exportSettings(this.deps, actor, study.id, now);
    if (!settings.ok) return settings;
    return transact(this.deps.db, async (trx): Promise<Result<{ k: number }>> => {
      // The row this event seals, again inside the transaction, locked and checked (review s13).
      const stored = await rowForChange(this.deps, trx, EXPORT_SETTINGS, [study.id]);
      if (!stored.ok) return stored;
      await repo.setThreshold(trx, study.id, k);
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'export.settings',
        studyId: study.id,
        details: { k },
        seals: [[EXPORT_SETTINGS, [study.id]]],
      });
      return ok({ k });
    });
  }
}

export type { RecipientView };
