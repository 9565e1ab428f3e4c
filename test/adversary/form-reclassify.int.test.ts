import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk } from '../../src/core/result.js';
import { DEMO_FORMS } from '../../src/demo/demo-forms.js';
import { userWithRole } from '../support/access.js';
import { type Arena, arena } from '../support/adversary.js';
import { enrollWithDemographics } from '../support/fixtures.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Found while walking the study administrator's ceiling (issue #12): form.manage could publish a new
 * version of a form with a protected field reclassified as clinical; the next update of a record then
 * stores that value in the clear, readable by every role, the study administrator included
 * (ASVS 8.2.1; ICH E9 2.3.1 for allocation). Forms have no HTTP route yet: the service is called as
 * the study administrator.
 */
for (const dialect of DIALECTS) {
  describe(`a published field keeps its data class (${dialect})`, () => {
    let a: Arena;
    beforeAll(async () => {
      a = await arena(dialect);
      await enrollWithDemographics(a.t.vault, a.study.id, 'S01');
    });
    afterAll(async () => a.close());

    it('ASVS 8.2.1: reclassifying an identifier or allocation field as clinical is refused at publish', async () => {
      const { actor } = await userWithRole(a.t.vault, 'study_admin', a.study.id);
      for (const [oid, field] of [
        ['DEMOG', 'ADDRESS'],
        ['RAND', 'ARM'],
      ] as const) {
        const form = DEMO_FORMS.find((f) => f.oid === oid);
        const downgraded = {
          ...form,
          fields: form?.fields.map((f) => (f.oid === field ? { ...f, class: 'clinical' } : f)),
        };
        expectOk(await a.t.vault.forms.defineForm(actor, a.study.id, downgraded));
        const published = await a.t.vault.forms.publish(actor, a.study.id, oid);
        expect(published.ok ? 'published' : published.error.code).toBe('VALIDATION_FAILED');
        expect(published.ok ? [] : published.error.details?.fields).toEqual([field]);
      }
      // A new field, or the same classes, still publish.
      const demog = DEMO_FORMS.find((f) => f.oid === 'DEMOG');
      expectOk(
        await a.t.vault.forms.defineForm(actor, a.study.id, {
          ...demog,
          fields: [
            ...(demog?.fields ?? []),
            { oid: 'NICKNAME', label: 'Nickname', type: 'text', class: 'identifier' },
          ],
        }),
      );
      expectOk(await a.t.vault.forms.publish(actor, a.study.id, 'DEMOG'));
    });
  });
}
