import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { arena } from '../support/adversary.js';
import { TestClock } from '../support/clock.js';
import { rawDb } from '../support/dba-sql.js';
import { seedStudy } from '../support/fixtures.js';
import { type App, codeAt, passwordSignIn, userWithTotp } from '../support/http-auth.js';
import { DIALECTS, freshVault, type TestVault } from '../support/stores.js';

/**
 * Review s13 (second-factor seals, the worst of the audit): on PostgreSQL a database administrator
 * needs no timing at all. They change their own session row in an open transaction (its user_id set
 * to a system administrator's) and hold the lock; their second-factor answer over HTTP waits on that
 * lock, and once they commit, an attempt that does not read the row again would update and seal the
 * row as it then stands: their token a system administrator's session, sealed, its second factor
 * done. The attempt now reads the session row inside its transaction, locked (`for update`), checks
 * its MAC first and refuses it: ROW_TAMPERED, and the token is nobody's.
 */
if (DIALECTS.includes('postgres')) {
  describe('issue #17 / review s13: a session row changed under a held lock is never sealed (postgres)', () => {
    let t: TestVault;
    let app: App;
    const clock = new TestClock();
    beforeAll(async () => {
      t = await freshVault('postgres', { clock });
      app = await buildApp({ vault: t.vault, authPerMinute: 1_000_000 });
    });
    afterAll(async () => {
      await app.close();
      await t.cleanup();
    });

    it("the administrator's own code never turns their session into a system administrator's", async () => {
      const study = await seedStudy(t.vault);
      const admin = await userWithTotp(t.vault, clock);
      const insider = await userWithTotp(t.vault, clock, study.id, 'monitor');
      const session = await passwordSignIn(app, insider.email);
      expect(session.login.statusCode).toBe(200);
      const sessionId = (
        await t.vault.deps.db
          .selectFrom('sessions')
          .select('id')
          .where('user_id', '=', insider.userId)
          .where('state', '=', 'mfa')
          .where('ended_at', 'is', null)
          .executeTakeFirstOrThrow()
      ).id;
      const dba = await rawDb(t.location);
      try {
        await dba.run('begin');
        await dba.run('update sessions set user_id = ? where id = ?', admin.userId, sessionId);
        clock.advance(0.5);
        const answer = app.inject({
          method: 'POST',
          url: '/api/v1/auth/totp',
          headers: session.headers,
          payload: { code: await codeAt(insider.secret, clock) },
        });
        // The answer waits on the held row; then the administrator commits.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await dba.run('commit');
        const done = await answer;
        expect(done.statusCode, done.body).not.toBe(200);
        expect(done.json().error.code).toBe('ROW_TAMPERED');
      } finally {
        await dba.close();
      }
      // Nobody is signed in with the token: not the system administrator, not the insider (the row
      // stays as the administrator left it, unsealed, and is refused).
      const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: session.headers });
      expect(me.statusCode).not.toBe(200);
      expect(me.json().error.code).toBe('ROW_TAMPERED');
    });
  });
}

/**
 * The same seat against a break-glass review: the administrator extends the emergency access by four
 * weeks in an open transaction while a reviewer's answer waits on the row. Before review s13 the
 * review sealed the extended row (`reviewBreakGlass` pins only `reviewed_at`): four weeks of access to
 * every site, sealed and reviewed. Now the review requires the very row it checked: ROW_TAMPERED.
 */
if (DIALECTS.includes('postgres')) {
  describe('issue #17 / review s13: a break-glass extended under a held lock is never sealed (postgres)', () => {
    it('the review is refused and the extended row is never honoured', async () => {
      const a = await arena('postgres');
      try {
        const coordinator = await a.signIn('coordinator', 'S01');
        const admin = await a.signIn('study_admin');
        const started = await coordinator.call('POST', '/api/v1/break-glass', {
          study: a.study.protocolId,
          justification: 'Participant in the emergency room at site S02, allergy check',
        });
        expect(started.status).toBe(201);
        const dba = await rawDb(a.t.location);
        try {
          await dba.run('begin');
          await dba.run(
            'update break_glass set expires_at = ? where id = ?',
            new Date(a.clock.time + 28 * 24 * 3_600_000).toISOString(),
            started.body.id,
          );
          const review = admin.call('POST', `/api/v1/break-glass/${started.body.id}/review`, {
            outcome: 'appropriate',
            note: 'Checked with the ER record',
          });
          await new Promise((resolve) => setTimeout(resolve, 300));
          await dba.run('commit');
          const done = await review;
          expect(done.status, JSON.stringify(done.body)).not.toBe(200);
          expect(done.body.error.code).toBe('ROW_TAMPERED');
        } finally {
          await dba.close();
        }
        const list = await admin.call('GET', `/api/v1/studies/${a.study.protocolId}/break-glass`);
        expect(list.body?.error?.code).toBe('ROW_TAMPERED');
      } finally {
        await a.close();
      }
    });
  });
}
