import type { Vault } from '../../src/app/vault.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DEMO_FORMS } from '../../src/demo/demo-forms.js';

export const PERSON = {
  FULL_NAME: 'Zelda Quintessa Marlowe',
  MRN: 'MRN-7719-QX',
  EMAIL: 'zelda.marlowe@canary.example',
  PHONE: '+44 20 7946 0958',
  ADDRESS: '17 Wisteria Canary Lane',
  BIRTH_DATE: '1961-04-23',
  ZIP: '90210',
  SEX: 'F',
};

export const PAYMENT = {
  IBAN: 'DE89370400440532013000',
  ACCOUNT_HOLDER: 'Zelda Q Marlowe',
  AMOUNT: 75.5,
  PAID_ON: '2026-10-01',
};

/** A study with sites S01 and S02 and every demo form published. */
export async function seedStudy(vault: Vault, protocolId = 'TV-TEST-001') {
  const study = expectOk(await vault.studies.createStudy(CLI_ACTOR, { protocolId, title: 'Test study' }));
  expectOk(await vault.studies.addSite(CLI_ACTOR, study.id, { code: 'S01', name: 'North' }));
  expectOk(await vault.studies.addSite(CLI_ACTOR, study.id, { code: 'S02', name: 'South' }));
  for (const form of DEMO_FORMS) {
    expectOk(await vault.forms.defineForm(CLI_ACTOR, study.id, form));
    expectOk(await vault.forms.publish(CLI_ACTOR, study.id, form.oid));
  }
  return study;
}

export async function enrollWithDemographics(vault: Vault, studyId: string, site = 'S01', person = PERSON) {
  const participant = expectOk(
    await vault.participants.enroll(CLI_ACTOR, studyId, { site, consentDate: '2026-09-01' }),
  );
  const record = expectOk(
    await vault.records.create(CLI_ACTOR, {
      participantId: participant.id,
      form: 'DEMOG',
      visit: 'SCREENING',
      values: person,
    }),
  );
  return { participant, record };
}
