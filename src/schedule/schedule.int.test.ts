import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DbaStore } from '../../test/support/dba.js';
import { DIALECTS } from '../../test/support/stores.js';

const SCHEDULE = {
  events: [
    { oid: 'SCREENING', name: 'Screening', kind: 'screening', forms: ['DEMOG'] },
    {
      oid: 'BASELINE',
      name: 'Baseline',
      kind: 'baseline',
      day: 0,
      windowAfter: 3,
      forms: ['VITALS', 'RAND'],
    },
    {
      oid: 'WEEK4',
      name: 'Week 4',
      kind: 'scheduled',
      day: 28,
      windowBefore: 3,
      windowAfter: 3,
      forms: ['VITALS', 'LABS'],
    },
    { oid: 'AE', name: 'Adverse events', kind: 'repeating', forms: ['AE'] },
  ],
};

for (const dialect of DIALECTS) {
  describe(`visit schedule and event grid (issue #15 item 4, ${dialect})`, () => {
    it('a study administrator (form.manage) defines the schedule (audited); a coordinator may read it but not change it', async () =>
      DbaStore.with(dialect, async (s) => {
        const dm = await s.person('study_admin');
        const coordinator = await s.person('coordinator', 'S01');
        const put = await s.as(dm, 'PUT', `/api/v1/studies/${s.study.id}/schedule`, SCHEDULE);
        expect(put.status).toBe(200);
        expect(put.body).toMatchObject({ version: 1, events: SCHEDULE.events });
        // Deny by default (ASVS 4.1.1): entry roles do not redefine the protocol's schedule.
        const refused = await s.as(coordinator, 'PUT', `/api/v1/studies/${s.study.id}/schedule`, SCHEDULE);
        expect(refused.status).toBe(403);
        const got = await s.as(coordinator, 'GET', `/api/v1/studies/${s.study.id}/schedule`);
        expect(got.body).toMatchObject({ version: 1, events: SCHEDULE.events });
        const bad = await s.as(dm, 'PUT', `/api/v1/studies/${s.study.id}/schedule`, {
          events: [{ oid: 'W1', name: 'Week 1', kind: 'scheduled', forms: ['NOPE'] }],
        });
        expect(bad.status).toBe(400);
        expect(JSON.stringify(bad.body.error.details)).toContain('scheduled event W1 needs a target day');
        const unknownForm = await s.as(dm, 'PUT', `/api/v1/studies/${s.study.id}/schedule`, {
          events: [{ oid: 'W1', name: 'Week 1', kind: 'unscheduled', forms: ['NOPE'] }],
        });
        expect(unknownForm.body.error.message).toBe(
          'The schedule names forms the study does not have: NOPE.',
        );
        const events = await s.vault.store.db
          .selectFrom('audit_events')
          .select(['action', 'target'])
          .where('action', '=', 'schedule.define')
          .execute();
        expect(events).toEqual([{ action: 'schedule.define', target: 'schedule@1' }]);
      }));

    it('21 CFR 11.10(h): records name an event of the schedule and one of its forms; the grid shows each cell', async () =>
      DbaStore.with(dialect, async (s) => {
        const p = await s.participant('S01'); // entered before the schedule: DEMOG@SCREENING, RAND@BASELINE
        expectOk(await s.vault.schedule.define(CLI_ACTOR, s.study.id, SCHEDULE));
        const coordinator = await s.person('coordinator', 'S01');
        const post = (form: string, visit: string, values: object) =>
          s.as(coordinator, 'POST', '/api/v1/records', { participantId: p.id, form, visit, values });
        const typed = await post('VITALS', 'Week 4', { SYSBP: 120, DIABP: 80 });
        expect(typed.status).toBe(400);
        expect(typed.body.error.message).toBe('The visit is not an event of the study schedule.');
        const wrongForm = await post('LABS', 'BASELINE', { HGB: 12 });
        expect(wrongForm.body.error.message).toBe('The form LABS is not scheduled at event BASELINE.');
        const base = await post('VITALS', 'BASELINE', { SYSBP: 120, DIABP: 80 });
        expect(base.body.error).toBeUndefined();
        const ae = await post('AE', 'AE-1', {
          TERM: 'Headache',
          ONSET: '2026-09-03',
          SEVERITY: '1',
          SERIOUS: false,
        });
        expect(ae.body.error).toBeUndefined();

        s.clock.advance(60 * 24 * 40); // past week 4's window
        const grid = await s.as(coordinator, 'GET', `/api/v1/participants/${p.id}/grid`);
        expect(grid.status).toBe(200);
        const states = Object.fromEntries(
          grid.body.events.map((e: { oid: string; cells: { form: string; state: string }[] }) => [
            e.oid,
            Object.fromEntries(e.cells.map((c) => [c.form, c.state])),
          ]),
        );
        expect(states.SCREENING).toEqual({ DEMOG: 'complete' });
        expect(states.BASELINE).toEqual({ VITALS: 'complete', RAND: 'complete' });
        expect(states.WEEK4).toEqual({ VITALS: 'overdue', LABS: 'overdue' });
        expect(states.AE).toEqual({ AE: 'in-progress' });
        expect(grid.body.events[3].cells[0].visit).toBe('AE-2');
        expect(grid.body.events[2].window).toMatchObject({ target: expect.any(String) });
        expect(grid.body.unscheduled).toEqual([]);

        // Site scoping (ASVS 4.2.1): a coordinator of the other site sees no grid of this participant (nor that it exists).
        const other = await s.person('coordinator', 'S02');
        expect((await s.as(other, 'GET', `/api/v1/participants/${p.id}/grid`)).status).toBe(404);
      }));

    it('21 CFR 11.10(k) / issue #17: a schedule rewritten in SQL (an event added) is refused, never honoured', async () =>
      DbaStore.with(dialect, async (s) => {
        const p = await s.participant('S01');
        expectOk(await s.vault.schedule.define(CLI_ACTOR, s.study.id, SCHEDULE));
        const coordinator = await s.person('coordinator', 'S01');
        await s.tamper(async (db) => {
          const forged = {
            events: [
              ...SCHEDULE.events,
              { oid: 'ANYTHING', name: 'x', kind: 'unscheduled', forms: ['VITALS'] },
            ],
          };
          expect(await db.run('update schedules set definition = ?', JSON.stringify(forged))).toBe(1);
        });
        const written = await s.as(coordinator, 'POST', '/api/v1/records', {
          participantId: p.id,
          form: 'VITALS',
          visit: 'ANYTHING',
          values: { SYSBP: 120, DIABP: 80 },
        });
        expect(written.status).not.toBe(201);
        await s.expectRefused(written, 'schedules');
        expect((await s.as(coordinator, 'GET', `/api/v1/studies/${s.study.id}/schedule`)).status).not.toBe(
          200,
        );
      }));
  });
}
