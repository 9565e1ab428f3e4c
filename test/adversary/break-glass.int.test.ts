import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BREAK_GLASS } from '../../src/authz/access-bindings.js';
import { type Arena, arena, type Caller } from '../support/adversary.js';
import { resealTable } from '../support/row-seal.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Finding 7 of issue #12: break-glass was self-approved and unlimited; any study role chained it back
 * to back for hours. Now: clinical roles only, at most 4 hours, one at a time per user (active or
 * awaiting review), an alert at the start, and a second person reviews each within 72 hours
 * (HIPAA 164.312(a)(2)(ii), 164.308(a)(1)(ii)(D); 21 CFR 11.10(d), (g)).
 */
for (const dialect of DIALECTS) {
  describe(`break-glass is bounded and reviewed by a second person (${dialect})`, () => {
    let a: Arena;
    let coordinator: Caller;
    let admin: Caller;
    let pi: Caller;
    let statistician: Caller;
    const justification = 'Participant in the emergency room at site S02, allergy check';
    beforeAll(async () => {
      a = await arena(dialect);
      coordinator = await a.signIn('coordinator', 'S01');
      admin = await a.signIn('study_admin');
      pi = await a.signIn('principal_investigator');
      statistician = await a.signIn('statistician');
    });
    afterAll(async () => a.close());

    const start = (c: Caller, minutes?: number) =>
      c.call('POST', '/api/v1/break-glass', {
        study: a.study.protocolId,
        justification,
        ...(minutes === undefined ? {} : { minutes }),
      });

    it('HIPAA 164.312(a)(2)(ii): no longer than 4 hours; roles that never see identifiers cannot break the glass', async () => {
      expect((await start(coordinator, 241)).status).toBe(400);
      expect((await start(coordinator, 24 * 60)).status).toBe(400);
      for (const c of [statistician, admin]) {
        const r = await start(c);
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe('FORBIDDEN');
      }
    });

    it('21 CFR 11.10(d): one at a time: no back-to-back chain without a second person’s review; the requester cannot review it', async () => {
      const first = await start(coordinator);
      expect(first.status).toBe(201);
      expect(Date.parse(first.body.expiresAt) - Date.parse(first.body.startedAt)).toBe(60 * 60_000);
      const alerts = await a.t.vault.store.db
        .selectFrom('alerts')
        .select('details')
        .where('kind', '=', 'break-glass')
        .execute();
      expect(alerts.some((x) => x.details.includes(first.body.id))).toBe(true);
      // A second one while the first runs, and after it ended but before its review: refused.
      expect((await start(coordinator)).status).toBe(409);
      // Sessions time out after 15 idle minutes: end it in the store instead of waiting an hour.
      await a.t.vault.store.db
        .updateTable('break_glass')
        .set({ expires_at: new Date(a.clock.time - 1).toISOString() })
        .where('id', '=', first.body.id)
        .execute();
      await resealTable(a.t.vault, BREAK_GLASS);
      expect((await start(coordinator)).status).toBe(409);
      // The requester cannot approve its own.
      const self = await coordinator.call('POST', `/api/v1/break-glass/${first.body.id}/review`, {
        outcome: 'appropriate',
        note: 'I approve my own access',
      });
      expect([403, 404]).toContain(self.status);
      // A study administrator reviews it (once); then the next emergency may start.
      const reviewed = await admin.call('POST', `/api/v1/break-glass/${first.body.id}/review`, {
        outcome: 'appropriate',
        note: 'Checked with the ER record: allergy check was needed',
      });
      expect(reviewed.status).toBe(200);
      expect(reviewed.body.review.outcome).toBe('appropriate');
      const again = await pi.call('POST', `/api/v1/break-glass/${first.body.id}/review`, {
        outcome: 'inappropriate',
        note: 'A second verdict on the same session',
      });
      expect(again.status).toBe(409);
      expect((await start(coordinator)).status).toBe(201);
      const events = await a.t.vault.store.db
        .selectFrom('audit_events')
        .select('action')
        .where('action', 'in', ['breakglass.start', 'breakglass.review'])
        .execute();
      expect(events.map((e) => e.action)).toEqual([
        'breakglass.start',
        'breakglass.review',
        'breakglass.start',
      ]);
    });

    it('HIPAA 164.308(a)(1)(ii)(D): an unreviewed break-glass shows as overdue after 72 hours, to study admins and PIs', async () => {
      // Both sessions started 72 hours and a minute ago (moved in the store: sessions would time out).
      await a.t.vault.store.db
        .updateTable('break_glass')
        .set({ started_at: new Date(a.clock.time - (72 * 60 + 1) * 60_000).toISOString() })
        .execute();
      await resealTable(a.t.vault, BREAK_GLASS);
      for (const c of [admin, pi]) {
        const list = await c.call('GET', `/api/v1/studies/${a.study.protocolId}/break-glass`);
        expect(list.status).toBe(200);
        const items: { overdue: boolean; review: unknown }[] = list.body.items;
        expect(items.filter((g) => g.overdue)).toHaveLength(1);
        expect(items.filter((g) => g.review !== null)).toHaveLength(1);
      }
      expect(
        (await coordinator.call('GET', `/api/v1/studies/${a.study.protocolId}/break-glass`)).status,
      ).toBe(403);
      // The dashboard raises it for reviewers, and shows nothing of it to others.
      const dashboard = await admin.call('GET', `/api/v1/studies/${a.study.protocolId}/summary`);
      expect(dashboard.body.overdueBreakGlassReviews).toBe(1);
      const other = await coordinator.call('GET', `/api/v1/studies/${a.study.protocolId}/summary`);
      expect(other.body.overdueBreakGlassReviews).toBeNull();
    });

    it('21 CFR 11.10(g): a reviewer who broke the glass (a PI) cannot review its own, and the refusal is audited', async () => {
      const own = await start(pi);
      expect(own.status).toBe(201);
      const self = await pi.call('POST', `/api/v1/break-glass/${own.body.id}/review`, {
        outcome: 'appropriate',
        note: 'I approve my own access',
      });
      expect(self.status).toBe(403);
      const denied = await a.t.vault.store.db
        .selectFrom('audit_events')
        .select(['details', 'actor'])
        .where('action', '=', 'access.denied')
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      expect(denied.actor).toBe(`user:${pi.userId}`);
      expect(JSON.parse(denied.details).action).toBe('breakglass.review');
      const reviewed = await admin.call('POST', `/api/v1/break-glass/${own.body.id}/review`, {
        outcome: 'inappropriate',
        note: 'No emergency found in the source documents',
      });
      expect(reviewed.status).toBe(200);
    });
  });
}
