import { z } from 'zod';
import type { Authorizer } from '../authz/authorizer.js';
import { trustRows } from '../authz/row-tamper.js';
import { sameRowForChange } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { invalidInput } from '../core/invalid-input.js';
import { reasonSchema } from '../core/reason.js';
import { err, ok, type Result } from '../core/result.js';
import { blindIndexToken, IDENTIFIER_KINDS, type IdentifierKind } from '../crypto/blind-index.js';
import { checkValue } from '../forms/validate-values.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { nextCounter } from '../storage/meta-repo.js';
import { transact } from '../storage/transact.js';
import { knownSite, knownStudy, refuseClosed } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import { openValue, sealValue } from '../vault/field-cipher.js';
import { PARTICIPANT_KEYS } from '../vault/vault-bindings.js';
import { lookupSeal, PARTICIPANT_LOOKUP, PARTICIPANTS } from './participants-bindings.js';
import { ENROL_STATUSES, type Participant } from './participants-view.js';
import * as repo from './repo.js';
import { changeStatus } from './status-change.js';
import { knownParticipant, participantBySubject, trustParticipants } from './trusted.js';

export { ENROL_STATUSES, PARTICIPANT_STATUSES, type Participant } from './participants-view.js';

const SUBJECT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const CONSENT_FIELD = { oid: 'CONSENT_DATE', label: 'Consent date', type: 'date', class: 'quasi' } as const;

export const enrollSchema = z.strictObject({
  site: z.string().min(1).max(64),
  subjectId: z.string().regex(SUBJECT_ID, 'letters, digits, . _ - (at most 32)').optional(),
  status: z.enum(ENROL_STATUSES).optional(),
  consentDate: z.string().optional(),
});

export const consentContext = (studyId: string, participantId: string) => ({
  studyId,
  participantId,
  recordId: 'participant',
  field: CONSENT_FIELD.oid,
  version: 1,
});

function toParticipant(row: repo.ParticipantWithSite): Participant {
  return {
    id: row.id,
    studyId: row.study_id,
    siteId: row.site_id,
    siteCode: row.site_code,
    subjectId: row.subject_id,
    status: row.status,
    createdAt: row.created_at,
    erasedAt: row.erased_at,
  };
}

export class ParticipantService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
    /**
     * Called after an erasure commits: purges freed pages that may still hold the destroyed key, and
     * records the erasure in the register that restores replay (docs/backup.md).
     */
    private readonly afterErase: (participantId: string) => Promise<void> = async () => {},
  ) {}

  async enroll(actor: Actor, studyId: string, input: unknown): Promise<Result<Participant>> {
    const parsed = enrollSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error));
    const { db } = this.deps;
    const known = await knownStudy(this.deps, studyId);
    if (!known.ok) return known;
    const study = known.value;
    const knownAt = await knownSite(this.deps, study.id, parsed.data.site);
    if (!knownAt.ok) return knownAt;
    const site = knownAt.value;
    const permit = await this.authorizer.authorize(actor, 'participant.create', {
      studyId: study.id,
      siteId: site.id,
    });
    if (!permit.ok) return permit;
    if (
      parsed.data.consentDate !== undefined &&
      'message' in checkValue(CONSENT_FIELD, parsed.data.consentDate)
    ) {
      return err(
        appError('VALIDATION_FAILED', 'The consent date must be a date as YYYY-MM-DD.', {
          field: 'consentDate',
        }),
      );
    }
    return transact(db, (trx) =>
      this.enrollInTx(trx, actor, study.id, site, {
        subjectId: parsed.data.subjectId,
        status: parsed.data.status ?? 'enrolled',
        consentDate: parsed.data.consentDate,
      }),
    );
  }

  /** Enrolls inside the caller's transaction (also used by bulk import). */
  async enrollInTx(
    trx: VaultDeps['db'],
    actor: Actor,
    studyId: string,
    site: { id: string; code: string },
    input: { subjectId: string | undefined; status: Participant['status']; consentDate: string | undefined },
  ): Promise<Result<Participant>> {
    const { clock, keyring } = this.deps;
    const closed = await refuseClosed(this.deps, trx, studyId);
    if (!closed.ok) return closed;
    const now = clock.now().toISOString();
    const subjectId =
      input.subjectId ??
      `${site.code}-${String(await nextCounter(trx, `subject/${studyId}/${site.id}`)).padStart(4, '0')}`;
    const existing = await participantBySubject(this.deps, studyId, subjectId, trx);
    if (!existing.ok) return existing;
    if (existing.value !== undefined) {
      return err(appError('ALREADY_EXISTS', 'A participant with this subject id exists in the study.'));
    }
    const id = newId();
    const key = await keyring.prepareParticipantKey(trx, studyId, id, now);
    if (!key.ok) return key;
    const row: repo.ParticipantRow = {
      id,
      study_id: studyId,
      site_id: site.id,
      subject_id: subjectId,
      status: input.status,
      consent_date_sealed:
        input.consentDate === undefined
          ? null
          : Buffer.from(sealValue(key.value.key, consentContext(studyId, id), input.consentDate), 'base64'),
      created_at: now,
      updated_at: now,
      erased_at: null,
    };
    await repo.insertParticipant(trx, row);
    await key.value.persist();
    await appendAuditEvent(trx, this.deps, {
      actor,
      action: 'participant.create',
      studyId,
      participantId: id,
      target: subjectId,
      details: { site: site.code, status: input.status },
      seals: [
        [PARTICIPANTS, [id]],
        [PARTICIPANT_KEYS, [id]],
      ],
    });
    return ok(toParticipant({ ...row, site_code: site.code }));
  }

  async get(
    actor: Actor,
    participantId: string,
    options: { reveal?: boolean } = {},
  ): Promise<Result<Participant>> {
    const { db, keyring } = this.deps;
    const known = await knownParticipant(this.deps, participantId);
    if (!known.ok) return known;
    const row = known.value;
    const permit = await this.authorizer.authorize(actor, 'participant.read', {
      studyId: row.study_id,
      siteId: row.site_id,
    });
    if (!permit.ok) return permit;
    const participant = toParticipant(row);
    if (options.reveal !== true) return ok(participant);
    if (!permit.value.reveal.has('quasi')) {
      return err(
        appError('FORBIDDEN', 'Your role may not reveal this value (or the session lacks a second factor).'),
      );
    }
    if (row.status === 'erased') return err(appError('PARTICIPANT_ERASED', 'The participant was erased.'));
    let consentDate: string | null = null;
    if (row.consent_date_sealed !== null) {
      const key = await keyring.participantKey(db, row.id);
      if (!key.ok) return key;
      const opened = openValue(
        key.value,
        consentContext(row.study_id, row.id),
        row.consent_date_sealed.toString('base64'),
      );
      if (!opened.ok) return opened;
      consentDate = String(opened.value);
    }
    // Every reveal of a protected value is an audit event (HIPAA 164.312(b)).
    return transact(db, async (trx) => {
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'participant.reveal',
        studyId: row.study_id,
        participantId: row.id,
        details: { fields: [CONSENT_FIELD.oid] },
      });
      return ok({ ...participant, consentDate });
    });
  }

  async findBySubject(actor: Actor, studyId: string, subjectId: string): Promise<Result<Participant>> {
    const found = await participantBySubject(this.deps, studyId, subjectId);
    if (!found.ok) return found;
    const row = found.value;
    if (row === undefined) return err(appError('NOT_FOUND', 'No such participant.'));
    const permit = await this.authorizer.authorize(actor, 'participant.read', {
      studyId: row.study_id,
      siteId: row.site_id,
    });
    return permit.ok ? ok(toParticipant(row)) : permit;
  }

  /** The participants of the sites the actor may see; others are neither listed nor counted. */
  async list(
    actor: Actor,
    studyId: string,
    filter: { site?: string; limit?: number; offset?: number } = {},
  ): Promise<Result<Participant[]>> {
    const { db } = this.deps;
    const known = await knownStudy(this.deps, studyId);
    if (!known.ok) return known;
    const study = known.value;
    const knownAt = filter.site === undefined ? undefined : await knownSite(this.deps, study.id, filter.site);
    if (knownAt !== undefined && !knownAt.ok) return knownAt;
    const site = knownAt?.value;
    const permit = await this.authorizer.authorize(actor, 'participant.read', {
      studyId: study.id,
      siteId: site?.id,
      resource: site === undefined ? 'study' : 'site',
    });
    if (!permit.ok) return permit;
    const { sites } = permit.value;
    const listed = await repo.listParticipants(db, study.id, {
      ...(site === undefined ? {} : { siteId: site.id }),
      ...(sites === 'all' ? {} : { siteIds: [...sites] }),
      limit: Math.min(Math.max(filter.limit ?? 100, 1), 1000),
      offset: Math.max(filter.offset ?? 0, 0),
    });
    const rows = await trustParticipants(this.deps, db, listed);
    return rows.ok ? ok(rows.value.map(toParticipant)) : rows;
  }

  /** Exact-match lookup through the blind index: no row is decrypted; the search itself is audited. */
  async lookup(actor: Actor, studyId: string, kind: string, value: string): Promise<Result<Participant[]>> {
    if (!(IDENTIFIER_KINDS as readonly string[]).includes(kind)) {
      return err(
        appError('VALIDATION_FAILED', `The identifier kind must be one of ${IDENTIFIER_KINDS.join(', ')}.`),
      );
    }
    if (value.trim() === '' || value.length > 320) {
      return err(appError('VALIDATION_FAILED', 'The identifier must be 1 to 320 characters.'));
    }
    const { db, keyring } = this.deps;
    const known = await knownStudy(this.deps, studyId);
    if (!known.ok) return known;
    const study = known.value;
    const permit = await this.authorizer.authorize(actor, 'participant.lookup', { studyId: study.id });
    if (!permit.ok) return permit;
    const { sites } = permit.value;
    const token = blindIndexToken(keyring.blindIndexKey(study.id), kind as IdentifierKind, value);
    // A token added or moved in SQL never makes an identifier find another participant (issue #17).
    const tokens = await trustRows(
      this.deps,
      PARTICIPANT_LOOKUP,
      await repo.findByToken(db, study.id, kind, token),
    );
    if (!tokens.ok) return tokens;
    const found = await trustParticipants(
      this.deps,
      db,
      await repo.findManyByIds(
        db,
        tokens.value.map((t) => t.participant_id),
      ),
    );
    if (!found.ok) return found;
    // Matches at sites the actor may not see are left out, not counted (ASVS 8.2.2).
    const rows = found.value.filter((r) => sites === 'all' || sites.has(r.site_id));
    return transact(db, async (trx) => {
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'participant.lookup',
        studyId: study.id,
        details: { kind, matches: rows.length },
      });
      return ok(rows.map(toParticipant));
    });
  }

  /** A status change with a reason (status-change.ts holds the status machine). */
  async setStatus(
    actor: Actor,
    participantId: string,
    status: string,
    reason: unknown,
  ): Promise<Result<Participant>> {
    return changeStatus(this.deps, this.authorizer, actor, participantId, status, reason);
  }

  /**
   * Crypto-shredding: destroys the participant's data key, so every value sealed under it, in every
   * version and every copy, becomes unreadable; all else in the study stays intact (GDPR art. 17).
   */
  async erase(actor: Actor, participantId: string, reason: unknown): Promise<Result<Participant>> {
    const parsedReason = reasonSchema.safeParse(reason);
    if (!parsedReason.success)
      return err(appError('REASON_REQUIRED', 'A reason for the erasure is required.'));
    const { db, clock, keyring } = this.deps;
    const known = await knownParticipant(this.deps, participantId);
    if (!known.ok) return known;
    const row = known.value;
    const permit = await this.authorizer.authorize(actor, 'participant.erase', {
      studyId: row.study_id,
      siteId: row.site_id,
    });
    if (!permit.ok) return permit;
    if (row.status === 'erased')
      return err(appError('PARTICIPANT_ERASED', 'The participant was already erased.'));
    const result = await transact(db, async (trx): Promise<Result<Participant>> => {
      // The participant erased is the one checked above, unchanged (review s13: a site or subject id
      // changed in SQL meanwhile was sealed under the erasure; a second erasure at once is refused).
      const same = await sameRowForChange(this.deps, trx, PARTICIPANTS, row);
      if (!same.ok) return same;
      const now = clock.now().toISOString();
      // The crypto-shred is the only legal deletion of a participant key: its event seals the key and
      // the lookup tokens as deleted, so `verify` tells it from a key dropped in SQL (GDPR art. 17).
      const tokens = await repo.lookupTokensOf(trx, row.id);
      await keyring.destroyParticipantKey(trx, row.id);
      await repo.deleteLookupTokens(trx, row.id);
      await repo.markErased(trx, row.id, now);
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'participant.erase',
        studyId: row.study_id,
        participantId: row.id,
        target: row.subject_id,
        reason: parsedReason.data,
        seals: [[PARTICIPANTS, [row.id]], [PARTICIPANT_KEYS, [row.id]], ...tokens.map(lookupSeal)],
      });
      return ok(toParticipant({ ...row, status: 'erased', erased_at: now, updated_at: now }));
    });
    if (result.ok) await this.afterErase(row.id);
    return result;
  }
}
