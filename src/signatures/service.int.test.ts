import { generate } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, userWithRole } from '../../test/support/access.js';
import { enrollWithDemographics, seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';

for (const dialect of DIALECTS) {
  describe(`electronic signatures (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    async function signedInInvestigator() {
      const study = await seedStudy(t.vault);
      const { email } = await userWithRole(t.vault, 'principal_investigator', study.id);
      const signIn = expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      const { secret } = expectOk(await t.vault.factors.beginTotp(signIn.token, {}));
      // First enrolment activates the session under a new token (ASVS 7.2.4).
      const { token } = expectOk(await t.vault.factors.confirmTotp(signIn.token, await generate({ secret })));
      const actor = expectOk(await t.vault.auth.authenticate(token ?? ''));
      return { study, actor, secret };
    }

    it('21 CFR 11.200(a)(1): the first signing needs password and TOTP, later ones the password; a change invalidates', async () => {
      const { study, actor, secret } = await signedInInvestigator();
      const { record } = await enrollWithDemographics(t.vault, study.id);
      const noTotp = await t.vault.signatures.sign(actor, record.id, {
        meaning: 'approved',
        password: TEST_PASSWORD,
      });
      expect(noTotp.ok ? null : noTotp.error.code).toBe('UNAUTHENTICATED');
      const wrong = await t.vault.signatures.sign(actor, record.id, {
        meaning: 'approved',
        password: 'not my password',
        totp: '000000',
      });
      expect(wrong.ok ? null : wrong.error.code).toBe('UNAUTHENTICATED');
      // The enrollment used this step's code, so the first signing takes the next step's code.
      const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
      const first = expectOk(
        await t.vault.signatures.sign(actor, record.id, {
          meaning: 'approved',
          password: TEST_PASSWORD,
          totp: next,
        }),
      );
      expect(first).toMatchObject({
        printedName: 'Test principal_investigator',
        meaning: 'approved',
        valid: true,
        recordVersion: 1,
      });
      expect(first.contentHash).toMatch(/^[0-9a-f]{64}$/);
      const second = expectOk(
        await t.vault.signatures.sign(actor, record.id, { meaning: 'reviewed', password: TEST_PASSWORD }),
      );
      expect(second.valid).toBe(true);
      expectOk(
        await t.vault.records.update(CLI_ACTOR, record.id, {
          changes: { SEX: 'M' },
          reason: 'Correction after signing',
        }),
      );
      const after = expectOk(await t.vault.signatures.list(CLI_ACTOR, record.id));
      expect(after.map((s) => s.valid)).toEqual([false, false]);
      const events = await t.vault.store.db
        .selectFrom('audit_events')
        .select('action')
        .where('action', '=', 'record.sign')
        .execute();
      expect(events).toHaveLength(2);
    });

    it('21 CFR 11.70: a signature copied to another record is refused there', async () => {
      const { study, actor, secret } = await signedInInvestigator();
      const a = await enrollWithDemographics(t.vault, study.id);
      const b = await enrollWithDemographics(t.vault, study.id, 'S02');
      const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
      const signature = expectOk(
        await t.vault.signatures.sign(actor, a.record.id, {
          meaning: 'authored',
          password: TEST_PASSWORD,
          totp: next,
        }),
      );
      const row = await t.vault.store.db
        .selectFrom('signatures')
        .selectAll()
        .where('id', '=', signature.id)
        .executeTakeFirstOrThrow();
      await t.vault.store.db
        .insertInto('signatures')
        .values({ ...row, id: 'copied', record_id: b.record.id })
        .execute();
      // Its row seal names the record it was made for: the copy is refused outright (issue #17).
      const onB = await t.vault.signatures.list(CLI_ACTOR, b.record.id);
      expect(onB.ok ? 'listed' : onB.error.code).toBe('ROW_TAMPERED');
      const coordinator = await userWithRole(t.vault, 'coordinator', study.id, 'S01');
      const denied = await t.vault.signatures.sign(coordinator.actor, a.record.id, {
        meaning: 'approved',
        password: TEST_PASSWORD,
      });
      expect(denied.ok ? null : denied.error.code).toBe('FORBIDDEN');
    });
  });
}
