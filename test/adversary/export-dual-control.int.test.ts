// Issue #16: an identified export leaves only under dual control (requested by one person, approved
// by a second with a different role, each re-authenticated, within a time limit, for a named
// recipient and purpose), and each file downloads once. Attacked over HTTP with real roles.
// HIPAA 164.308(a)(4), 164.312(d); NIST SP 800-53 AC-5 (separation of duties).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/authz/roles.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { buildApp } from '../../src/server/app.js';
import { TEST_PASSWORD, userWithRole } from '../support/access.js';
import { TestClock } from '../support/clock.js';
import { enrollWithDemographics, PERSON, seedStudy } from '../support/fixtures.js';
import { type App, codeAt, fullSignIn, passwordSignIn, userWithTotp } from '../support/http-auth.js';
import { DIALECTS, freshVault, type TestVault } from '../support/stores.js';

for (const dialect of DIALECTS) {
  describe(`adversary: identified exports without a second person (${dialect})`, () => {
    let t: TestVault;
    let app: App;
    let studyId: string;
    const clock = new TestClock();
    type Person = { email: string; userId: string; secret: string; headers: Record<string, string> };
    const people = new Map<string, Person>();
    const signIn = async (name: string, role: Role) => {
      const u = people.get(name) ?? { ...(await userWithTotp(t.vault, clock, studyId, role)), headers: {} };
      const s = await fullSignIn(app, u.email, u.secret, clock);
      const p = { ...u, headers: s.headers };
      people.set(name, p);
      return p;
    };
    const call = async (who: Person, method: 'GET' | 'POST', url: string, payload?: object) => {
      const r = await app.inject({ method, url, headers: who.headers, ...(payload ? { payload } : {}) });
      const json = String(r.headers['content-type'] ?? '').includes('json');
      return { status: r.statusCode, body: json ? r.json() : null, raw: r };
    };
    const reauth = async (who: Person) => {
      clock.advance(0.5);
      return { password: TEST_PASSWORD, totp: await codeAt(who.secret, clock) };
    };
    const ask = { recipient: 'Sponsor safety desk', purpose: 'SUSAR reconciliation', format: 'csv' };

    beforeAll(async () => {
      t = await freshVault(dialect, { clock });
      app = await buildApp({ vault: t.vault, authPerMinute: 1_000_000 });
      studyId = (await seedStudy(t.vault)).id;
      for (let i = 0; i < 6; i++) await enrollWithDemographics(t.vault, studyId, 'S01');
    });
    afterAll(async () => {
      await app.close();
      await t.cleanup();
    });

    it('a role without the action cannot request an identified export (FORBIDDEN, audited)', async () => {
      // A statistician needs no second factor: signed in with the password alone.
      const { email, user } = await userWithRole(t.vault, 'statistician', studyId);
      const session = await passwordSignIn(app, email);
      const stat = { email, userId: user.id, secret: '', headers: session.headers };
      const r = await call(stat, 'POST', `/api/v1/studies/${studyId}/export-requests`, {
        ...ask,
        password: TEST_PASSWORD,
      });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('FORBIDDEN');
    });

    it('an identified export without an approved request is refused (APPROVAL_REQUIRED)', async () => {
      const dm = await signIn('dm', 'data_manager');
      const r = await call(dm, 'POST', `/api/v1/studies/${studyId}/exports`, {
        profile: 'identified',
        ...ask,
      });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('APPROVAL_REQUIRED');
      const forged = await call(dm, 'POST', `/api/v1/studies/${studyId}/exports`, {
        profile: 'identified',
        ...ask,
        request: 'made-up',
      });
      expect(forged.body.error.code).toBe('APPROVAL_REQUIRED');
    });

    it('21 CFR 11.200(a)(1): the request needs re-authentication', async () => {
      const dm = await signIn('dm', 'data_manager');
      const r = await call(dm, 'POST', `/api/v1/studies/${studyId}/export-requests`, {
        ...ask,
        password: 'wrong',
        totp: '123456',
      });
      expect(r.status).toBe(401);
    });

    it('NIST AC-5: the requester cannot approve, nor can a second person of the same role; the approver re-authenticates', async () => {
      const dm = await signIn('dm', 'data_manager');
      const req = await call(dm, 'POST', `/api/v1/studies/${studyId}/export-requests`, {
        ...ask,
        ...(await reauth(dm)),
      });
      expect(req.status, JSON.stringify(req.body)).toBe(201);
      const id = req.body.id as string;
      const self = await call(dm, 'POST', `/api/v1/export-requests/${id}/approve`, await reauth(dm));
      expect(self.status).toBe(403);
      // The data manager holds no approval right anyway; a PI who also requested would be refused too.
      const pi = await signIn('pi', 'principal_investigator');
      const wrong = await call(pi, 'POST', `/api/v1/export-requests/${id}/approve`, {
        password: 'wrong',
        totp: '000000',
      });
      expect(wrong.status).toBe(401);
      const piRequest = await call(pi, 'POST', `/api/v1/studies/${studyId}/export-requests`, {
        ...ask,
        ...(await reauth(pi)),
      });
      expect(piRequest.status).toBe(201);
      const pi2 = await signIn('pi2', 'principal_investigator');
      const sameRole = await call(
        pi2,
        'POST',
        `/api/v1/export-requests/${piRequest.body.id}/approve`,
        await reauth(pi2),
      );
      expect(sameRole.status).toBe(403);
      expect(sameRole.body.error.message).toMatch(/role must differ/);
      const denials = await t.vault.deps.db
        .selectFrom('audit_events')
        .select('details')
        .where('action', '=', 'access.denied')
        .execute();
      expect(denials.filter((d) => d.details.includes('export.approve')).length).toBeGreaterThanOrEqual(2);
    });

    it('approved, used once, exactly as approved; the file downloads once, by its maker only', async () => {
      const dm = await signIn('dm', 'data_manager');
      const req = await call(dm, 'POST', `/api/v1/studies/${studyId}/export-requests`, {
        ...ask,
        ...(await reauth(dm)),
      });
      const pi = await signIn('pi', 'principal_investigator');
      const ok = await call(pi, 'POST', `/api/v1/export-requests/${req.body.id}/approve`, await reauth(pi));
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      // NIST AC-5: the approver cannot make the export they approved (only its requester makes it).
      const byApprover = await call(pi, 'POST', `/api/v1/studies/${studyId}/exports`, {
        profile: 'identified',
        ...ask,
        request: req.body.id,
      });
      expect(byApprover.status).toBe(403);
      expect(byApprover.body.error.code).toBe('APPROVAL_REQUIRED');
      const other = await call(dm, 'POST', `/api/v1/studies/${studyId}/exports`, {
        profile: 'identified',
        ...ask,
        recipient: 'Someone else',
        request: req.body.id,
      });
      expect(other.body.error.code).toBe('APPROVAL_REQUIRED');
      const made = await call(dm, 'POST', `/api/v1/studies/${studyId}/exports`, {
        profile: 'identified',
        ...ask,
        request: req.body.id,
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      const again = await call(dm, 'POST', `/api/v1/studies/${studyId}/exports`, {
        profile: 'identified',
        ...ask,
        request: req.body.id,
      });
      expect(again.body.error.code).toBe('APPROVAL_REQUIRED');
      const wide = made.body.files[0];
      const url = `/api/v1/exports/${made.body.exportId}/files/${wide.name}`;
      const thief = await signIn('pi', 'principal_investigator');
      expect((await call(thief, 'GET', url)).status).toBe(404);
      const first = await call(dm, 'GET', url);
      expect(first.status).toBe(200);
      expect(first.raw.headers['x-content-sha256']).toBe(wide.sha256);
      // Identified: names are there; blinded recipient and requester: no allocation column.
      expect(first.raw.body).toContain(PERSON.FULL_NAME);
      expect(first.raw.body.split('\n')[0]).not.toMatch(/\bARM\b|\bKIT\b/);
      const second = await call(dm, 'GET', url);
      expect(second.status).toBe(410);
      expect(second.body.error.code).toBe('EXPORT_GONE');
      const events = await t.vault.deps.db
        .selectFrom('audit_events')
        .select(['action', 'details'])
        .where('target', '=', made.body.exportId)
        .execute();
      expect(events.map((e) => e.action).sort()).toEqual(['export.create', 'export.download']);
      expect(events.find((e) => e.action === 'export.create')?.details).toContain(wide.sha256);
    });

    it('the time limit: an approval comes within the hour, or not at all', async () => {
      const dm = await signIn('dm', 'data_manager');
      const req = await call(dm, 'POST', `/api/v1/studies/${studyId}/export-requests`, {
        ...ask,
        ...(await reauth(dm)),
      });
      clock.advance(61);
      const pi = await signIn('pi', 'principal_investigator');
      const late = await call(pi, 'POST', `/api/v1/export-requests/${req.body.id}/approve`, await reauth(pi));
      expect(late.status).toBe(409);
      expectOk(await t.vault.exports.recipients.list(CLI_ACTOR, studyId));
    });
  });
}
