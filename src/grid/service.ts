import type { Actor } from '../core/actor.js';
import { ok, type Result } from '../core/result.js';
import type { ParticipantService } from '../participants/service.js';
import type { RecordService } from '../records/service.js';
import { eventOfVisit, eventWindow, isRepeating } from '../schedule/schedule-definition.js';
import type { ScheduleService } from '../schedule/service.js';
import type { SignatureService } from '../signatures/service.js';
import type { CellState, GridEvent, GridView } from './grid-view.js';

/**
 * Builds the grid from the services' own authorized reads (participant.read and record.read, site
 * scoped), so the grid shows nothing a caller could not read one by one. States: signed (a valid
 * signature on the current version) > locked > complete (a record exists) > overdue (no record and the
 * window ended before `today`) > not-started. `in-progress` is a record of a repeating event whose
 * later instances may still come.
 */
export class GridService {
  constructor(
    private readonly participants: ParticipantService,
    private readonly records: RecordService,
    private readonly schedule: ScheduleService,
    private readonly signatures: SignatureService,
    private readonly today: () => string,
  ) {}

  async grid(actor: Actor, participantId: string): Promise<Result<GridView>> {
    const participant = await this.participants.get(actor, participantId);
    if (!participant.ok) return participant;
    const list = await this.records.listForParticipant(actor, participant.value.id);
    if (!list.ok) return list;
    const schedule = await this.schedule.scheduleOf(participant.value.studyId);
    if (!schedule.ok) return schedule;
    const reference = participant.value.createdAt.slice(0, 10);
    const today = this.today();
    const definition = { events: [...schedule.value.events] };
    const used = new Set<string>();
    const events: GridEvent[] = [];
    for (const event of schedule.value.events) {
      const window = eventWindow(event, reference);
      const cells = [];
      for (const form of event.forms) {
        const here = list.value.filter(
          (r) => r.form === form && eventOfVisit(definition, r.visit)?.oid === event.oid,
        );
        for (const r of here) used.add(r.id);
        const first = here[0];
        let state: CellState = window !== null && window.to < today ? 'overdue' : 'not-started';
        if (first !== undefined) {
          const signs = await this.signatures.list(actor, first.id);
          const signed = signs.ok && signs.value.some((s) => s.valid && s.recordVersion === first.version);
          state = signed
            ? 'signed'
            : first.locked
              ? 'locked'
              : isRepeating(event)
                ? 'in-progress'
                : 'complete';
        }
        const visit = isRepeating(event) ? `${event.oid}-${here.length + 1}` : event.oid;
        cells.push({ form, state, recordId: first?.id ?? null, visit });
      }
      events.push({ oid: event.oid, name: event.name, kind: event.kind, window, cells });
    }
    return ok({
      participantId: participant.value.id,
      subjectId: participant.value.subjectId,
      reference,
      scheduleVersion: schedule.value.version,
      events,
      unscheduled: list.value
        .filter((r) => !used.has(r.id))
        .map((r) => ({ recordId: r.id, form: r.form, visit: r.visit })),
    });
  }
}
