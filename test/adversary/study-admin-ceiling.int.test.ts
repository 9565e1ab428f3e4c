import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS, NEVER_TOKEN_ACTIONS, ROLE_DEFINITIONS, ROLES } from '../../src/authz/roles.js';
import type { Actor } from '../../src/core/actor.js';
import { type Arena, arena, type Caller } from '../support/adversary.js';
import { seedStudy } from '../support/fixtures.js';
import { DIALECTS } from '../support/stores.js';

/**
 * The acceptance criterion of issue #12: a study administrator cannot obtain, by any API call, a
 * capability its own grants do not give (ASVS 8.2.1, 8.3.1; 21 CFR 11.10(d), (g)). This walks every
 * HTTP operation that creates accounts, grants, tokens or emergency access, as a study administrator
 * (study-wide and site-limited), and checks that nothing it gets exceeds its own grants.
 */
const STUDY_ADMIN = new Set(ROLE_DEFINITIONS.study_admin.actions);

for (const dialect of DIALECTS) {
  describe(`a study administrator's ceiling is its own grants (${dialect})`, () => {
    let a: Arena;
    let admin: Caller;
    let siteAdmin: Caller;
    let colleague: Caller;
    let sysadmin: Caller;
    let otherStudy: string;
    beforeAll(async () => {
      a = await arena(dialect);
      admin = await a.signIn('study_admin');
      siteAdmin = await a.signIn('study_admin', 'S01');
      colleague = await a.signIn('statistician');
      sysadmin = await a.signIn('system_admin');
      otherStudy = (await seedStudy(a.t.vault, 'TV-OTHER-009')).protocolId;
    });
    afterAll(async () => a.close());

    const rolesOf = async (c: Caller) => (await a.t.vault.users.roles(c.userId)).map((r) => r.role).sort();

    it('ASVS 8.2.1: accounts: creating or disabling users is refused', async () => {
      expect(
        (await admin.call('POST', '/api/v1/users', { email: 'svc@example.org', name: 'Svc' })).status,
      ).toBe(403);
      expect((await admin.call('POST', '/api/v1/users/disable', { email: sysadmin.email })).status).toBe(403);
      expect((await admin.call('GET', '/api/v1/users')).status).toBe(403);
    });

    it('ASVS 8.2.1, 8.3.1: grants: never to itself, never a system role, never outside its study or its sites', async () => {
      const study = a.study.protocolId;
      for (const role of ROLES) {
        const system = ROLE_DEFINITIONS[role].system === true;
        const self = await admin.call('POST', '/api/v1/grants', {
          email: admin.email,
          role,
          ...(system ? {} : { study }),
        });
        expect(self.status, `self ${role}`).toBe(403);
        const siteSelf = await siteAdmin.call('POST', '/api/v1/grants', {
          email: siteAdmin.email,
          role,
          ...(system ? {} : { study, site: 'S01' }),
        });
        expect(siteSelf.status, `site admin self ${role}`).toBe(403);
        if (system) {
          const other = await admin.call('POST', '/api/v1/grants', { email: colleague.email, role });
          expect(other.status, `system ${role}`).toBe(403);
        }
        const elsewhere = await admin.call('POST', '/api/v1/grants', {
          email: colleague.email,
          role: system ? 'monitor' : role,
          study: otherStudy,
        });
        expect(elsewhere.status, `other study ${role}`).toBe(404);
      }
      // A site-limited administrator grants at its site only, never study-wide.
      expect(
        (await siteAdmin.call('POST', '/api/v1/grants', { email: colleague.email, role: 'monitor', study }))
          .status,
      ).toBe(403);
      expect(
        (
          await siteAdmin.call('POST', '/api/v1/grants', {
            email: colleague.email,
            role: 'monitor',
            study,
            site: 'S02',
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await siteAdmin.call('POST', '/api/v1/grants', {
            email: colleague.email,
            role: 'monitor',
            study,
            site: 'S01',
          })
        ).status,
      ).toBe(201);
      // Nor can it revoke a system role's grant, or a study-wide one from its site.
      const grants = await a.t.vault.store.db.selectFrom('grants').selectAll().execute();
      const sys = grants.find((g) => g.user_id === sysadmin.userId);
      const studyWide = grants.find((g) => g.user_id === colleague.userId && g.site_id === null);
      expect((await admin.call('DELETE', `/api/v1/grants/${sys?.id}`)).status).toBe(403);
      expect((await siteAdmin.call('DELETE', `/api/v1/grants/${studyWide?.id}`)).status).toBe(403);
      expect(await rolesOf(admin)).toEqual(['study_admin']);
      expect(await rolesOf(siteAdmin)).toEqual(['study_admin']);
    });

    it('ASVS 8.3.1: tokens: its own only, every scope within its grants, and the token reaches no further', async () => {
      for (const c of [colleague, sysadmin]) {
        const r = await admin.call('POST', '/api/v1/tokens', {
          email: c.email,
          study: a.study.protocolId,
          scopes: ['study.read'],
        });
        expect(r.status).toBe(403);
      }
      for (const action of ACTIONS) {
        const r = await admin.call('POST', '/api/v1/tokens', { study: a.study.protocolId, scopes: [action] });
        const within = STUDY_ADMIN.has(action) && !NEVER_TOKEN_ACTIONS.has(action);
        expect(r.status, action).toBe(within ? 201 : 403);
        if (!within) continue;
        const token: string = r.body.token;
        // Whatever the scope, the token creates no account, grant or token, and reads no other study.
        for (const [method, url, payload] of [
          ['POST', '/api/v1/users', { email: `x.${action}@example.org`, name: 'X' }],
          ['POST', '/api/v1/grants', { email: admin.email, role: 'system_admin' }],
          ['POST', '/api/v1/grants', { email: colleague.email, role: 'monitor', study: a.study.protocolId }],
          ['POST', '/api/v1/tokens', { study: a.study.protocolId, scopes: [action] }],
          ['POST', '/api/v1/break-glass', { study: a.study.protocolId, justification: 'x'.repeat(30) }],
          ['GET', `/api/v1/studies/${otherStudy}`, undefined],
        ] as const) {
          const used = await a.bearer(token, method, url, payload);
          expect([403, 404], `${action}: ${method} ${url}`).toContain(used.status);
        }
      }
      const minted = await a.t.vault.store.db
        .selectFrom('api_tokens')
        .select(['scopes', 'user_id'])
        .execute();
      for (const row of minted) {
        expect(row.user_id).toBe(admin.userId);
        for (const s of JSON.parse(row.scopes) as string[]) expect(STUDY_ADMIN.has(s as never)).toBe(true);
      }
    });

    it('HIPAA 164.312(a)(2)(ii): break-glass gives a study administrator nothing (it is for clinical roles)', async () => {
      const r = await admin.call('POST', '/api/v1/break-glass', {
        study: a.study.protocolId,
        justification: 'Pretend emergency to read identifiers',
      });
      expect(r.status).toBe(403);
    });

    it('ASVS 8.2.1: a device credential (device.manage) acts for nothing in the authorizer', async () => {
      const device: Actor = { kind: 'device', id: 'any-device' };
      for (const action of ACTIONS) {
        const decision = await a.t.vault.authorizer.authorize(
          device,
          action,
          { studyId: a.study.id },
          { quiet: true },
        );
        expect(decision.ok, action).toBe(false);
      }
    });
  });
}
