// Found by the outside review (2026-12-03): a participant moved to another site in SQL still had its
// record list served to the new site's coordinator (ids, forms, visits), although reading the
// participant itself was refused. Issue #17: a forged row never decides who may see what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Arena, arena } from '../support/adversary.js';
import { enrollWithDemographics } from '../support/fixtures.js';
import { DIALECTS } from '../support/stores.js';

describe.each(DIALECTS)('adversary: a participant moved to another site in SQL (%s)', (dialect) => {
  let a: Arena;
  beforeAll(async () => {
    a = await arena(dialect);
  });
  afterAll(async () => a?.close());

  it('ASVS 8.2.2, 21 CFR 11.10(d): the S01 coordinator lists no record of a participant moved from S02', async () => {
    const coordinator = await a.signIn('coordinator', 'S01');
    const { participant } = await enrollWithDemographics(a.t.vault, a.study.id, 'S02');
    const before = await coordinator.call('GET', `/api/v1/participants/${participant.id}/records`);
    expect(before.status).toBe(404);
    const s01 = await a.t.vault.store.db
      .selectFrom('sites')
      .select('id')
      .where('study_id', '=', a.study.id)
      .where('code', '=', 'S01')
      .executeTakeFirstOrThrow();
    await a.t.vault.store.db
      .updateTable('participants')
      .set({ site_id: s01.id })
      .where('id', '=', participant.id)
      .execute();
    const after = await coordinator.call('GET', `/api/v1/participants/${participant.id}/records`);
    expect(after.status).not.toBe(200);
    expect(after.body.error.code).toBe('ROW_TAMPERED');
    expect(JSON.stringify(after.body)).not.toContain('DEMOG');
  });
});
