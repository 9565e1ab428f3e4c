import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Seeded, seededDemo } from '../../test/support/exports.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { DEMO_FORMS } from '../demo/demo-forms.js';

const PROTECTED = new Set(
  DEMO_FORMS.flatMap((f) =>
    f.fields.filter((x) => ['identifier', 'financial', 'allocation'].includes(x.class)).map((x) => x.oid),
  ),
);

for (const dialect of DIALECTS) {
  describe(`export preview (${dialect})`, () => {
    let t: TestVault;
    let seeded: { studyId: string; people: Seeded[] };
    beforeAll(async () => {
      t = await freshVault(dialect);
      expectOk(await t.vault.demo.seed(CLI_ACTOR, 7));
      seeded = await seededDemo(t.vault);
    });
    afterAll(async () => {
      await t.cleanup();
    });

    it('HIPAA 164.514(b)(2): a preview of an export the k check would refuse shows no row (review, 2026-12-03)', async () => {
      const refused = await t.vault.exports.preview(
        CLI_ACTOR,
        seeded.studyId,
        { profile: 'deidentified' },
        '5',
      );
      expect(refused.ok).toBe(false);
      if (refused.ok) return;
      expect(refused.error.code).toBe('EXPORT_REFUSED');
      expect(JSON.stringify(refused.error)).not.toMatch(/"rows"/);
      expect((refused.error.details as { risk: { passed: boolean } }).risk.passed).toBe(false);
    });

    it('HIPAA 164.514(b)(2): the first rows as the recipient sees them, under the same profile rules, audited', async () => {
      const preview = expectOk(
        await t.vault.exports.preview(
          CLI_ACTOR,
          seeded.studyId,
          { profile: 'deidentified', suppress: ['BIRTH_DATE', 'ZIP'] },
          '5',
        ),
      );
      expect(preview.rows.length).toBe(5);
      const text = JSON.stringify(preview);
      for (const person of seeded.people) expect(text).not.toContain(person.subjectId);
      for (const row of preview.rows) {
        expect(row.site).toBeNull();
        for (const field of Object.keys(row.values)) expect(PROTECTED.has(field), field).toBe(false);
      }
      const trail = expectOk(
        await t.vault.audit.forStudy(CLI_ACTOR, seeded.studyId, {
          afterSeq: 0,
          limit: 100,
          action: 'export.preview',
        }),
      );
      // The refused preview and this one, each audited.
      expect(trail.items.length).toBe(2);
    });

    it('an identified export has no preview (APPROVAL_REQUIRED); a bad limit is VALIDATION_FAILED', async () => {
      const identified = await t.vault.exports.preview(
        CLI_ACTOR,
        seeded.studyId,
        { profile: 'identified', recipient: 'R', purpose: 'P' },
        undefined,
      );
      expect(identified.ok || identified.error.code).toBe('APPROVAL_REQUIRED');
      const bad = await t.vault.exports.preview(
        CLI_ACTOR,
        seeded.studyId,
        { profile: 'deidentified' },
        '999',
      );
      expect(bad.ok || bad.error.code).toBe('VALIDATION_FAILED');
    });
  });
}
