import type { Authorizer } from '../authz/authorizer.js';
import { trustEvents } from '../authz/trusted-events.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { InclusionProof, LeafView } from '../ledger/ledger-view.js';
import * as ledgerRepo from '../ledger/repo.js';
import type { LedgerService } from '../ledger/service.js';
import type { VerifyReport } from '../ledger/verify.js';
import * as participants from '../participants/repo.js';
import * as records from '../records/repo.js';
import type { VaultDeps } from '../vault/deps.js';

/** "Not visible" reads exactly like "no such event" (ASVS 8.2.2). */
const NO_EVENT = appError('NOT_FOUND', 'No event at this index.');

/**
 * The ledger over the API, scoped like the audit trail (ASVS 8.2.1, 8.2.2; 21 CFR 11.10(d)): an event,
 * and its inclusion proof, only for callers who may read that event in the audit trail. Holders of
 * `ledger.read` (system administrators, auditors) see every event; anyone else needs `audit.read` in
 * the event's study, covering the site of its participant or record, or a study-wide grant for a
 * study-wide event. Events outside every study (sign-ins, user administration) are for `ledger.read`
 * only. Checkpoints and consistency proofs hold no event content and stay open to any signed-in caller.
 */
export class LedgerAccessService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly ledger: LedgerService,
    private readonly authorizer: Authorizer,
  ) {}

  /**
   * An event whose leaf MAC fails is refused like in the audit views (review r17, R17-3): ROW_TAMPERED,
   * an audit event and an alert, never the rewritten actor or reason (ASVS 8.3.1; 21 CFR 11.10(e)).
   */
  async event(actor: Actor, index: number): Promise<Result<LeafView>> {
    const visible = await this.#visible(actor, index);
    if (!visible.ok) return visible;
    if (Number.isSafeInteger(index) && index >= 0) {
      const row = await this.deps.db
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '=', index)
        .executeTakeFirst();
      if (row !== undefined) {
        const trusted = await trustEvents(this.deps, [row]);
        if (!trusted.ok) return trusted;
      }
    }
    return this.ledger.event(index);
  }

  async inclusion(actor: Actor, index: number, size?: number): Promise<Result<InclusionProof>> {
    const visible = await this.#visible(actor, index);
    return visible.ok ? this.ledger.inclusion(index, size) : visible;
  }

  /** Verifying the whole store is an action of its own, for system administrators and auditors. */
  async verify(actor: Actor): Promise<Result<VerifyReport>> {
    const allowed = await this.authorizer.authorize(actor, 'ledger.verify');
    return allowed.ok ? ok(await this.ledger.verify()) : allowed;
  }

  async #visible(actor: Actor, index: number): Promise<Result<null>> {
    if (!Number.isSafeInteger(index) || index < 0)
      return err(appError('VALIDATION_FAILED', 'The index must be a non-negative integer.'));
    if ((await this.authorizer.authorize(actor, 'ledger.read', undefined, { quiet: true })).ok)
      return ok(null);
    const row = await ledgerRepo.findEvent(this.deps.db, index);
    if (row === undefined) return err(NO_EVENT);
    if (row.study_id === null) return this.authorizer.refuse(actor, 'ledger.read', undefined, NO_EVENT);
    const siteId = await this.#siteOf(row.participant_id, row.record_id);
    const scope = { studyId: row.study_id, siteId, resource: 'record' as const };
    const permit = await this.authorizer.authorize(actor, 'audit.read', scope, { quiet: true });
    // A study-wide event (no participant) needs a study-wide grant, as in the study's audit trail.
    if (permit.ok && (siteId !== undefined || permit.value.sites === 'all')) return ok(null);
    return this.authorizer.refuse(actor, 'audit.read', scope, NO_EVENT);
  }

  async #siteOf(participantId: string | null, recordId: string | null): Promise<string | undefined> {
    if (participantId !== null)
      return (await participants.findParticipant(this.deps.db, participantId))?.site_id ?? undefined;
    if (recordId !== null) return (await records.findRecord(this.deps.db, recordId))?.site_id ?? undefined;
    return undefined;
  }
}
