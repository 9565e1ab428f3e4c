import { afterEach, describe, expect, it } from 'vitest';
import { freshVault, type TestVault } from '../../test/support/stores.js';
import { ROLES } from '../authz/roles.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { setMeta } from '../storage/meta-repo.js';
import { DEMO_PASSWORD, seedDemoAccounts } from './demo-accounts.js';

describe('demo accounts', () => {
  let t: TestVault;
  afterEach(async () => t.cleanup());

  it('one per role with TOTP enrolled, usable on a demo store and refused on any other', async () => {
    t = await freshVault('sqlite');
    expectOk(await t.vault.demo.seed(CLI_ACTOR, 1));
    const accounts = expectOk(await seedDemoAccounts(t.vault));
    expect(accounts.map((a) => a.role)).toHaveLength(ROLES.length);
    const coordinator = accounts.find((a) => a.role === 'coordinator');
    expect(coordinator?.site).toBe('S01');
    const signIn = expectOk(await t.vault.auth.login(coordinator?.email, DEMO_PASSWORD));
    expect(signIn.state).toBe('mfa');
    // The same accounts on a store that is not a demo store are refused, with the generic answer.
    await setMeta(t.vault.store.db, 'demo_store', '0');
    const refused = await t.vault.auth.login(coordinator?.email, DEMO_PASSWORD);
    expect(refused.ok ? null : refused.error).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'Invalid credentials.',
    });
  });
});
