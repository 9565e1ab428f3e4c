import { generate } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, userWithRole } from '../../test/support/access.js';
import { enrollWithDemographics, seedStudy } from '../../test/support/fixtures.js';
import { expectTamperRefused } from '../../test/support/row-tamper.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';

for (const dialect of DIALECTS) {
  describe(`signature rows checked on read (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    async function signedRecord() {
      const study = await seedStudy(t.vault);
      const { email } = await userWithRole(t.vault, 'principal_investigator', study.id);
      const signIn = expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      const { secret } = expectOk(await t.vault.factors.beginTotp(signIn.token, {}));
      const { token } = expectOk(await t.vault.factors.confirmTotp(signIn.token, await generate({ secret })));
      const actor = expectOk(await t.vault.auth.authenticate(token ?? ''));
      const { record } = await enrollWithDemographics(t.vault, study.id);
      const totp = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
      const signature = expectOk(
        await t.vault.signatures.sign(actor, record.id, {
          meaning: 'approved',
          password: TEST_PASSWORD,
          totp,
        }),
      );
      expect(expectOk(await t.vault.signatures.list(CLI_ACTOR, record.id))).toHaveLength(1);
      return { record, signature };
    }

    it('21 CFR 11.70, issue #17: a signature edited in SQL is never shown (valid or not)', async () => {
      const { record, signature } = await signedRecord();
      await t.vault.store.db
        .updateTable('signatures')
        .set({ meaning: 'authored', printed_name: 'Someone else' })
        .where('id', '=', signature.id)
        .execute();
      await expectTamperRefused(t.vault, await t.vault.signatures.list(CLI_ACTOR, record.id), 'signatures');
    });

    it('21 CFR 11.70, issue #17: a signature copied into a new row in SQL (a forged second signer) is refused', async () => {
      const { record, signature } = await signedRecord();
      const row = await t.vault.store.db
        .selectFrom('signatures')
        .selectAll()
        .where('id', '=', signature.id)
        .executeTakeFirstOrThrow();
      await t.vault.store.db
        .insertInto('signatures')
        .values({ ...row, id: 'forged-signature', meaning: 'reviewed' })
        .execute();
      await expectTamperRefused(t.vault, await t.vault.signatures.list(CLI_ACTOR, record.id), 'signatures');
    });
  });
}
