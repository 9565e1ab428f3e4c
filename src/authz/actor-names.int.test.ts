import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithRole } from '../../test/support/access.js';
import { seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { actorNames } from './actor-names.js';

describe.each(DIALECTS)('audit actors named for people (%s)', (dialect) => {
  let t: TestVault;
  let studyId = '';
  beforeAll(async () => {
    t = await freshVault(dialect);
    studyId = (await seedStudy(t.vault)).id;
  });
  afterAll(async () => t?.cleanup());

  it('issue #15 item 8: a user is named with the roles held in the study when acting; the operator by kind', async () => {
    const { user } = await userWithRole(t.vault, 'principal_investigator', studyId);
    const now = new Date(Date.now() + 60_000).toISOString();
    const acts = [`user:${user.id}`, 'system:cli', 'token:x', 'nobody'].map((actor) => ({ actor, at: now }));
    const name = await actorNames(t.vault.deps, acts, studyId);
    expect(name({ actor: `user:${user.id}`, at: now })).toBe('Test principal_investigator (investigator)');
    expect(name({ actor: 'system:cli', at: now })).toBe('Operator (command line)');
    expect(name({ actor: 'token:x', at: now })).toBe('API token');
    expect(name({ actor: 'nobody', at: now })).toBe('nobody');
    // An act from before the grant does not show the role granted later (review finding A1).
    expect(name({ actor: `user:${user.id}`, at: '2000-01-01T00:00:00.000Z' })).toBe(
      'Test principal_investigator',
    );
  });

  it('issue #15 item 8: a token’s acts name its owner (review finding A3)', async () => {
    const { email } = await userWithRole(t.vault, 'principal_investigator', studyId);
    const minted = expectOk(
      await t.vault.tokens.create(CLI_ACTOR, { email, study: studyId, scopes: ['study.read'] }),
    );
    const act = { actor: `token:${minted.id}`, at: new Date(Date.now() + 60_000).toISOString() };
    const name = await actorNames(t.vault.deps, [act], studyId);
    expect(name(act)).toBe('API token of Test principal_investigator (investigator)');
  });

  it('issue #17: a name rewritten in SQL is never shown as the actor (the label is)', async () => {
    const { user } = await userWithRole(t.vault, 'coordinator', studyId, 'S01');
    await t.vault.store.db
      .updateTable('users')
      .set({ name: 'Dr Innocent' })
      .where('id', '=', user.id)
      .execute();
    const act = { actor: `user:${user.id}`, at: new Date().toISOString() };
    const name = await actorNames(t.vault.deps, [act], studyId);
    expect(name(act)).toBe(`user:${user.id}`);
  });
});
