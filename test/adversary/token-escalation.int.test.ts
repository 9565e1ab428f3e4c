import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { type Arena, arena, type Caller } from '../support/adversary.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Finding 1 of issue #12: a study administrator minted tokens for the system administrator and the PI,
 * with system scopes, and used them to create users, grant itself system_admin and write as the PI.
 * ASVS 8.2.1, 8.3.1; 21 CFR 11.10(d), (g): a token is its own user's, within that user's study grants.
 */
for (const dialect of DIALECTS) {
  describe(`token minting cannot escalate (${dialect})`, () => {
    let a: Arena;
    let admin: Caller;
    let sysadmin: Caller;
    let pi: Caller;
    beforeAll(async () => {
      a = await arena(dialect);
      admin = await a.signIn('study_admin');
      sysadmin = await a.signIn('system_admin');
      pi = await a.signIn('principal_investigator');
    });
    afterAll(async () => a.close());

    const study = () => a.study.protocolId;
    const denials = async () =>
      Number(
        (
          await a.t.vault.store.db
            .selectFrom('audit_events')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('action', '=', 'access.denied')
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('ASVS 8.2.1, 8.3.1: a study admin cannot mint a token for another user (system admin, PI), and each refusal is audited', async () => {
      const before = await denials();
      for (const [email, scopes] of [
        [sysadmin.email, ['user.manage', 'grant.manage']],
        [sysadmin.email, ['study.read']],
        [pi.email, ['record.write']],
        [pi.email, ['study.read']],
      ] as const) {
        const r = await admin.call('POST', '/api/v1/tokens', { email, study: study(), scopes });
        expect(r.status, `${email} ${scopes.join(',')}`).toBe(403);
        expect(r.body.error.code).toBe('FORBIDDEN');
        expect(JSON.stringify(r.body)).not.toContain('tvt_');
      }
      expect(await denials()).toBe(before + 4);
    });

    it('ASVS 8.3.1; 21 CFR 11.10(g): no token carries a system or administrative action, or an action its user lacks', async () => {
      for (const scopes of [
        ['user.manage'],
        ['grant.manage'],
        ['study.create'],
        ['token.manage'],
        ['ledger.verify'],
        ['keys.rotate'],
        ['record.write'], // the study admin does not write records
        ['participant.lookup'],
      ]) {
        const r = await admin.call('POST', '/api/v1/tokens', { study: study(), scopes });
        expect(r.status, scopes.join(',')).toBe(403);
      }
      // The system administrator's own token cannot carry its system rights either.
      const sys = await sysadmin.call('POST', '/api/v1/tokens', { study: study(), scopes: ['user.manage'] });
      expect(sys.status).toBe(403);
    });

    it('21 CFR 11.10(d): the reviewer’s chain (token as system admin -> create user, grant system_admin) is closed end to end', async () => {
      // The study admin's own token, within its grants, is fine ...
      const own = await admin.call('POST', '/api/v1/tokens', {
        study: study(),
        scopes: ['study.read', 'record.read'],
      });
      expect(own.status).toBe(201);
      const token: string = own.body.token;
      // ... and reaches nothing outside them.
      const attempts = [
        a.bearer(token, 'POST', '/api/v1/users', { email: 'evil@example.org', name: 'Evil' }),
        a.bearer(token, 'POST', '/api/v1/grants', { email: admin.email, role: 'system_admin' }),
        a.bearer(token, 'POST', '/api/v1/users/disable', { email: sysadmin.email }),
        a.bearer(token, 'GET', '/api/v1/users'),
        a.bearer(token, 'POST', '/api/v1/tokens', { study: study(), scopes: ['study.read'] }),
        a.bearer(token, 'POST', '/api/v1/ledger/verify', {}),
      ];
      for (const r of await Promise.all(attempts)) expect(r.status).toBe(403);
      expect((await a.bearer(token, 'GET', `/api/v1/studies/${study()}`)).status).toBe(200);
    });

    it('ASVS 8.2.1: a system administrator’s token is decided by its study grants alone, never by its system role', async () => {
      // Even the operator cannot mint a system scope; it may mint study scopes the user holds.
      const refused = await a.t.vault.tokens.create(CLI_ACTOR, {
        email: sysadmin.email,
        study: study(),
        scopes: ['grant.manage'],
      });
      expect(refused.ok).toBe(false);
      const none = await a.t.vault.tokens.create(CLI_ACTOR, {
        email: sysadmin.email,
        study: study(),
        scopes: ['study.read'],
      });
      // The system administrator holds no role in the study: nothing to mint there.
      expect(none.ok).toBe(false);
    });

    it('ASVS 8.2.1, 7.4.1: a revoked grant shrinks the token at once (scopes ∩ current grants)', async () => {
      const minted = await pi.call('POST', '/api/v1/tokens', {
        study: study(),
        scopes: ['study.read', 'record.read'],
      });
      expect(minted.status).toBe(201);
      const token: string = minted.body.token;
      expect((await a.bearer(token, 'GET', `/api/v1/studies/${study()}`)).status).toBe(200);
      const grants = await a.t.vault.users.roles(pi.userId);
      expect(grants.length).toBe(1);
      const row = await a.t.vault.store.db
        .selectFrom('grants')
        .select('id')
        .where('user_id', '=', pi.userId)
        .executeTakeFirstOrThrow();
      expect((await admin.call('DELETE', `/api/v1/grants/${row.id}`)).status).toBe(200);
      expect((await a.bearer(token, 'GET', `/api/v1/studies/${study()}`)).status).toBe(404);
    });
  });
}
