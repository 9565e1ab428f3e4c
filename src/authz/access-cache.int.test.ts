import { generate } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, userWithRole } from '../../test/support/access.js';
import { seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { openVault, type Vault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { AccessCache } from './access-cache.js';

describe('access cache', () => {
  it('answers only for the epoch an entry was stored under, and stays bounded', () => {
    const cache = new AccessCache<string>(2);
    cache.set('a', 1, 'A');
    expect(cache.get('a', 1)).toBe('A');
    expect(cache.get('a', 2)).toBeUndefined();
    expect(cache.get('a', 1)).toBeUndefined();
    cache.set('a', 3, 'A');
    cache.set('b', 3, 'B');
    cache.set('c', 3, 'C');
    expect(cache.get('a', 3)).toBeUndefined();
    expect(cache.get('c', 3)).toBe('C');
  });

  it('ASVS 7.4.1: an epoch set back below the highest seen empties the cache and caches nothing under it', () => {
    const cache = new AccessCache<string>();
    cache.set('a', 5, 'A');
    cache.get('b', 6);
    expect(cache.get('a', 5)).toBeUndefined();
    cache.set('a', 5, 'A');
    expect(cache.get('a', 5)).toBeUndefined();
    cache.set('a', 6, 'A');
    expect(cache.get('a', 6)).toBe('A');
  });
});

for (const dialect of DIALECTS) {
  // The server caches sessions and grants; another process (the CLI, a second server) changes them.
  describe(`access cache across processes (${dialect})`, () => {
    let t: TestVault;
    let other: Vault;
    beforeEach(async () => {
      t = await freshVault(dialect);
      other = expectOk(await openVault(t.location, { keyDir: t.keyDir, passphrase: undefined }));
    });
    afterEach(async () => {
      await other.close();
      await t.cleanup();
    });

    async function signedIn() {
      const study = await seedStudy(t.vault);
      const { email, user } = await userWithRole(t.vault, 'coordinator', study.id, 'S01');
      const signIn = expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      const { secret } = expectOk(await t.vault.factors.beginTotp(signIn.token, {}));
      const { recoveryCodes, token } = expectOk(
        await t.vault.factors.confirmTotp(signIn.token, await generate({ secret })),
      );
      // First enrolment activated the session under a new token (ASVS 7.2.4).
      return { study, email, user, token: token ?? '', recoveryCodes };
    }

    it('ASVS 8.2.1: a grant revoked by another process is denied on the next request', async () => {
      const { study, user } = await signedIn();
      const grant = (
        await t.vault.store.db
          .selectFrom('grants')
          .select('id')
          .where('user_id', '=', user.id)
          .executeTakeFirstOrThrow()
      ).id;
      const actor = { kind: 'user' as const, id: user.id, mfa: true };
      // Twice, so the second answer comes from the cache.
      for (let i = 0; i < 2; i++) {
        expect(
          (await t.vault.authorizer.authorize(actor, 'participant.read', { studyId: study.id })).ok,
        ).toBe(true);
      }
      expectOk(await other.users.revokeGrant(CLI_ACTOR, grant));
      const denied = await t.vault.authorizer.authorize(actor, 'participant.read', { studyId: study.id });
      expect(denied.ok ? null : denied.error.code).toBe('NOT_FOUND');
    });

    it('ASVS 7.4.1, 7.4.2: logout or disable in another process ends a cached session at once', async () => {
      const { email, token, recoveryCodes } = await signedIn();
      for (let i = 0; i < 2; i++) expectOk(await t.vault.auth.authenticate(token));
      expectOk(await other.auth.logout(token));
      const ended = await t.vault.auth.authenticate(token);
      expect(ended.ok ? null : ended.error.code).toBe('UNAUTHENTICATED');

      const again = expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      // The accepted second factor issues the session's new token (ASVS 7.2.4).
      const active = expectOk(await t.vault.auth.verifyMfa(again.token, recoveryCodes[0] ?? '')).token;
      for (let i = 0; i < 2; i++) expectOk(await t.vault.auth.authenticate(active));
      expectOk(await other.users.disable(CLI_ACTOR, email));
      const afterDisable = await t.vault.auth.authenticate(active);
      expect(afterDisable.ok ? null : afterDisable.error.code).toBe('UNAUTHENTICATED');
    });

    it('ASVS 8.2.1: a change made by hand in the database, outside the application, also empties the cache', async () => {
      const { study, user } = await signedIn();
      const actor = { kind: 'user' as const, id: user.id, mfa: true };
      for (let i = 0; i < 2; i++) {
        expect(
          (await t.vault.authorizer.authorize(actor, 'participant.read', { studyId: study.id })).ok,
        ).toBe(true);
      }
      await other.store.db
        .updateTable('users')
        .set({ status: 'disabled' })
        .where('id', '=', user.id)
        .execute();
      const denied = await t.vault.authorizer.authorize(actor, 'participant.read', { studyId: study.id });
      expect(denied.ok).toBe(false);
    });
  });
}
