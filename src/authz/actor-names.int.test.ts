import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithRole } from '../../test/support/access.js';
import { seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { actorNames } from './actor-names.js';

describe.each(DIALECTS)('audit actors named for people (%s)', (dialect) => {
  let t: TestVault;
  let studyId = '';
  beforeAll(async () => {
    t = await freshVault(dialect);
    studyId = (await seedStudy(t.vault)).id;
  });
  afterAll(async () => t?.cleanup());

  it('issue #15 item 8: a user is shown by name and roles in the study; the operator and tokens by kind', async () => {
    const { user } = await userWithRole(t.vault, 'principal_investigator', studyId);
    const name = await actorNames(
      t.vault.deps,
      [`user:${user.id}`, 'system:cli', 'token:x', 'nobody'],
      studyId,
    );
    expect(name(`user:${user.id}`)).toBe('Test principal_investigator (investigator)');
    expect(name('system:cli')).toBe('Operator (command line)');
    expect(name('token:x')).toBe('API token');
    expect(name('nobody')).toBe('nobody');
  });

  it('issue #17: a name rewritten in SQL is never shown as the actor (the label is)', async () => {
    const { user } = await userWithRole(t.vault, 'coordinator', studyId, 'S01');
    await t.vault.store.db
      .updateTable('users')
      .set({ name: 'Dr Innocent' })
      .where('id', '=', user.id)
      .execute();
    const name = await actorNames(t.vault.deps, [`user:${user.id}`], studyId);
    expect(name(`user:${user.id}`)).toBe(`user:${user.id}`);
  });
});
