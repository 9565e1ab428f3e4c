import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { type Answer, type Arena, arena, type Caller } from '../support/adversary.js';
import { enrollWithDemographics, PAYMENT, PERSON } from '../support/fixtures.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Finding 6 of issue #12: "the update changes no value" told a role that cannot reveal a field whether
 * its guess equalled the stored value. A protected field the writer may not reveal now counts as written
 * whether or not it differs: the answer, the version and the trail are the same for a right and a wrong
 * guess (ASVS 8.2.2, 8.3.1; HIPAA 164.312(a)(1)).
 */
for (const dialect of DIALECTS) {
  describe(`no equality oracle on writes (${dialect})`, () => {
    let a: Arena;
    let pi: Caller;
    let payment: string;
    let demog: string;
    beforeAll(async () => {
      a = await arena(dialect);
      const { participant, record } = await enrollWithDemographics(a.t.vault, a.study.id, 'S01');
      demog = record.id;
      payment = expectOk(
        await a.t.vault.records.create(CLI_ACTOR, {
          participantId: participant.id,
          form: 'PAYMENT',
          visit: 'P1',
          values: PAYMENT,
        }),
      ).id;
      pi = await a.signIn('principal_investigator');
    });
    afterAll(async () => a.close());

    /** What the guesser can observe of one write: status, code, changed fields in its own trail. */
    async function observe(write: Answer, recordId: string) {
      const history = await pi.call('GET', `/api/v1/records/${recordId}/history`);
      const last = history.body.items?.at?.(-1) ?? history.body.at?.(-1);
      return {
        status: write.status,
        code: write.body?.error?.code ?? null,
        masked: write.body?.masked ?? null,
        changes: (last?.changes ?? []).map((c: { field: string }) => c.field),
      };
    }

    it('ASVS 8.2.2: a PI (no financial reveal) writing a right or a wrong IBAN guess observes the same', async () => {
      const put = (iban: string) =>
        pi.call('PUT', `/api/v1/records/${payment}`, {
          changes: { IBAN: iban },
          reason: 'Checking the bank account',
        });
      const right = await observe(await put(PAYMENT.IBAN), payment);
      const wrong = await observe(await put('GB82WEST12345698765432'), payment);
      expect(right).toEqual(wrong);
      expect(right.status).toBe(200);
      expect(right.changes).toEqual(['IBAN']);
    });

    it('ASVS 8.3.1: a PI token (tokens reveal nothing) guessing an MRN observes the same for right and wrong', async () => {
      const minted = await pi.call('POST', '/api/v1/tokens', {
        study: a.study.protocolId,
        scopes: ['record.write', 'record.read'],
      });
      expect(minted.status).toBe(201);
      const put = (mrn: string) =>
        a.bearer(minted.body.token, 'PUT', `/api/v1/records/${demog}`, {
          changes: { MRN: mrn },
          reason: 'Checking the MRN',
        });
      const right = await put(PERSON.MRN);
      const wrong = await put('MRN-0000-AA');
      expect(right.status).toBe(wrong.status);
      expect(right.body.masked).toEqual(wrong.body.masked);
      expect(right.body.version + 1).toBe(wrong.body.version);
    });

    it('a writer who may read the field still gets "changes no value" for an identical value (no needless versions)', async () => {
      const r = await pi.call('PUT', `/api/v1/records/${demog}`, {
        changes: { FULL_NAME: PERSON.FULL_NAME, SEX: PERSON.SEX },
        reason: 'No change really',
      });
      expect(r.status).toBe(400);
      expect(r.body.error.details.unchanged).toBe(true);
    });
  });
}
