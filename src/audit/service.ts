import { actorNames } from '../authz/actor-names.js';
import type { Authorizer } from '../authz/authorizer.js';
import { trustedAuditEvents, trustedStudyAuditEvents } from '../authz/trusted-events.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { AuditEventRow } from '../ledger/audit-repo.js';
import * as participants from '../participants/repo.js';
import * as records from '../records/repo.js';
import type { RecordService } from '../records/service.js';
import { trustRecordOn } from '../records/trusted-records.js';
import { knownStudy } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import type { AuditEventView, ParticipantTrail, RecordTrail, StudyTrail } from './audit-view.js';

export type { AuditEventView, ParticipantTrail, RecordTrail, StudyTrail } from './audit-view.js';

/**
 * The audit trail view (21 CFR 11.10(e)): per record, who changed what, when and why. Protected values
 * are masked unless revealed, and the reveal is itself an audit event (through the record service).
 */
export class AuditTrailService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly recordService: RecordService,
    private readonly authorizer: Authorizer,
  ) {}

  async forRecord(
    actor: Actor,
    recordId: string,
    options: { reveal?: boolean } = {},
  ): Promise<Result<RecordTrail>> {
    const found = await trustRecordOn(
      this.deps,
      this.deps.db,
      await records.findRecord(this.deps.db, recordId),
    );
    if (!found.ok) return found;
    const row = found.value;
    if (row === undefined) return err(appError('NOT_FOUND', 'No such record.'));
    const permit = await this.authorizer.authorize(actor, 'audit.read', {
      studyId: row.study_id,
      siteId: row.site_id,
    });
    if (!permit.ok) return permit;
    const history = await this.recordService.history(actor, recordId, options);
    if (!history.ok) return history;
    const events = await trustedAuditEvents(this.deps, { recordId });
    if (!events.ok) return events;
    return ok({
      record: { id: row.id, form: row.form_oid, visit: row.visit, subjectId: row.subject_id },
      history: history.value,
      events: await this.#named(events.value, row.study_id),
    });
  }

  async forParticipant(
    actor: Actor,
    participantId: string,
    options: { reveal?: boolean } = {},
  ): Promise<Result<ParticipantTrail>> {
    const participant = await participants.findParticipant(this.deps.db, participantId);
    if (participant === undefined) return err(appError('NOT_FOUND', 'No such participant.'));
    const permit = await this.authorizer.authorize(actor, 'audit.read', {
      studyId: participant.study_id,
      siteId: participant.site_id,
      resource: 'participant',
    });
    if (!permit.ok) return permit;
    const trails: RecordTrail[] = [];
    for (const record of await records.listForParticipant(this.deps.db, participantId)) {
      const trail = await this.forRecord(actor, record.id, options);
      if (!trail.ok) return trail;
      trails.push(trail.value);
    }
    const listed = await trustedAuditEvents(this.deps, { participantId });
    if (!listed.ok) return listed;
    const events = await this.#named(
      listed.value.filter((e) => e.recordId === null),
      participant.study_id,
    );
    return ok({
      participant: { id: participant.id, subjectId: participant.subject_id, status: participant.status },
      events,
      records: trails,
    });
  }

  /**
   * A study's audit trail for monitors and auditors, page by page in ledger order (21 CFR 11.10(e)).
   * Site-scoped roles see the events about their sites' participants only.
   */
  async forStudy(
    actor: Actor,
    studyId: string,
    options: { afterSeq: number; limit: number; action?: string | undefined },
  ): Promise<Result<StudyTrail>> {
    // The study row only when its MAC holds (review s13, H4/H5: a title or demo flag set in SQL).
    const foundStudy = await knownStudy(this.deps, studyId);
    if (!foundStudy.ok) return foundStudy;
    const study = foundStudy.value;
    const permit = await this.authorizer.authorize(actor, 'audit.read', {
      studyId: study.id,
      resource: 'study',
    });
    if (!permit.ok) return permit;
    const sites = permit.value.sites;
    const listed = await trustedStudyAuditEvents(this.deps, study.id, {
      ...options,
      sites: sites === 'all' ? 'all' : [...sites],
    });
    if (!listed.ok) return listed;
    const items = listed.value;
    const last = items.at(-1);
    return ok({
      items: await this.#named(items, study.id),
      next: items.length === options.limit && last !== undefined ? last.seq : null,
    });
  }

  /** Events with the people behind their actors named (issue #15 item 8). */
  async #named(events: readonly AuditEventRow[], studyId: string): Promise<AuditEventView[]> {
    const name = await actorNames(this.deps, events, studyId);
    return events.map((e) => ({ ...e, actorName: name(e) }));
  }
}
