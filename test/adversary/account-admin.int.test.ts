import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../support/access.js';
import { type Arena, arena, type Caller } from '../support/adversary.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Issue #15 item 8 from the attacker's seat: account re-enable, password and second-factor resets,
 * a user's grants, and everyone's own password change, over HTTP with real roles.
 */
for (const dialect of DIALECTS) {
  describe(`account administration over HTTP (${dialect})`, () => {
    let a: Arena;
    let sysadmin: Caller;
    let studyAdmin: Caller;
    let victim: Caller;
    let coordinator: Caller;
    beforeAll(async () => {
      a = await arena(dialect);
      sysadmin = await a.signIn('system_admin');
      victim = await a.signIn('system_admin');
      studyAdmin = await a.signIn('study_admin');
      coordinator = await a.signIn('coordinator', 'S01');
    });
    afterAll(async () => a.close());

    const events = (action: string) =>
      a.t.vault.store.db
        .selectFrom('audit_events')
        .select(['action', 'outcome'])
        .where('action', '=', action)
        .execute();

    it('ASVS 8.2.1: a study administrator cannot re-enable, reset or list a system administrator', async () => {
      expect((await sysadmin.call('POST', '/api/v1/users/disable', { email: victim.email })).status).toBe(
        200,
      );
      const reauth = { email: victim.email, password: TEST_PASSWORD, code: await studyAdmin.nextCode() };
      expect((await studyAdmin.call('POST', '/api/v1/users/enable', { email: victim.email })).status).toBe(
        403,
      );
      expect((await studyAdmin.call('POST', '/api/v1/users/reset-password', reauth)).status).toBe(403);
      expect((await studyAdmin.call('POST', '/api/v1/users/reset-second-factor', reauth)).status).toBe(403);
      expect((await studyAdmin.call('POST', '/api/v1/users/grants', { email: victim.email })).status).toBe(
        403,
      );
      const enabled = await sysadmin.call('POST', '/api/v1/users/enable', { email: victim.email });
      expect(enabled.status).toBe(200);
      expect(enabled.body.status).toBe('active');
      expect((await events('user.enable')).length).toBe(1);
    });

    it('ASVS 6.4.3, 7.5.1: a reset needs the administrator to re-authenticate, and ends the account’s sessions', async () => {
      const wrong = await sysadmin.call('POST', '/api/v1/users/reset-password', {
        email: coordinator.email,
        password: 'not the password at all',
        code: await sysadmin.nextCode(),
      });
      expect(wrong.status).toBe(401);
      const reset = await sysadmin.call('POST', '/api/v1/users/reset-password', {
        email: coordinator.email,
        password: TEST_PASSWORD,
        code: await sysadmin.nextCode(),
      });
      expect(reset.status).toBe(200);
      expect(reset.body.temporaryPassword.length).toBeGreaterThanOrEqual(20);
      // The coordinator's session has ended: the old cookie no longer works.
      expect((await coordinator.call('GET', '/api/v1/auth/me')).status).toBe(401);
      const login = await a.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: coordinator.email, password: reset.body.temporaryPassword },
      });
      expect(login.statusCode).toBe(200);
      expect((await events('user.password.reset')).length).toBe(1);
    });

    it('ASVS 6.4.3: an administrator resets no factor or password of its own through the admin path', async () => {
      const self = await sysadmin.call('POST', '/api/v1/users/reset-second-factor', {
        email: sysadmin.email,
        password: TEST_PASSWORD,
        code: await sysadmin.nextCode(),
      });
      expect(self.status).toBe(403);
    });

    it('ASVS 6.4.x: a second-factor reset removes the authenticator: the next sign-in must enrol', async () => {
      const other = await a.signIn('data_manager');
      const reset = await sysadmin.call('POST', '/api/v1/users/reset-second-factor', {
        email: other.email,
        password: TEST_PASSWORD,
        code: await sysadmin.nextCode(),
      });
      expect(reset.status).toBe(200);
      const login = await a.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: other.email, password: TEST_PASSWORD },
      });
      expect(login.json().state).toBe('enroll');
      expect((await events('user.mfa.reset')).length).toBe(1);
    });

    it('lists a user’s grants with ids, which revoke', async () => {
      const listed = await sysadmin.call('POST', '/api/v1/users/grants', { email: studyAdmin.email });
      expect(listed.status).toBe(200);
      expect(listed.body.map((g: { role: string }) => g.role)).toEqual(['study_admin']);
    });

    it('ASVS 6.2.3, 6.3.1: own password: a wrong current password is refused and counted; nobody changes another’s', async () => {
      const me = await a.signIn('monitor');
      const before = await events('auth.reauth');
      const wrong = await me.call('POST', '/api/v1/auth/password', {
        current: 'wrong current password',
        next: 'a brand new long passphrase 42',
        code: await me.nextCode(),
      });
      expect(wrong.status).toBe(401);
      const after = await events('auth.reauth');
      expect(after.filter((e) => e.outcome === 'failure').length).toBe(
        before.filter((e) => e.outcome === 'failure').length + 1,
      );
      // The body names no account: the route changes the caller's own password only.
      const other = await me.call('POST', '/api/v1/auth/password', {
        email: victim.email,
        current: TEST_PASSWORD,
        next: 'a brand new long passphrase 42',
        code: await me.nextCode(),
      });
      expect(other.status).toBe(400);
      const weak = await me.call('POST', '/api/v1/auth/password', {
        current: TEST_PASSWORD,
        next: 'short',
        code: await me.nextCode(),
      });
      expect(weak.status).toBe(400);
      const changed = await me.call('POST', '/api/v1/auth/password', {
        current: TEST_PASSWORD,
        next: 'a brand new long passphrase 42',
        code: await me.nextCode(),
      });
      expect(changed.status).toBe(200);
      // This session goes on; the password is the new one.
      expect((await me.call('GET', '/api/v1/auth/me')).status).toBe(200);
      const old = await a.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: me.email, password: TEST_PASSWORD },
      });
      expect(old.statusCode).toBe(401);
    });
  });
}
