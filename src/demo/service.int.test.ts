import { afterEach, describe, expect, it } from 'vitest';
import { freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { DEMO_PROTOCOL } from './service.js';

async function firstDemographics(t: TestVault) {
  const study = expectOk(await t.vault.studies.getStudy(CLI_ACTOR, DEMO_PROTOCOL));
  const participant = expectOk(await t.vault.participants.findBySubject(CLI_ACTOR, study.id, 'S01-0001'));
  const records = expectOk(await t.vault.records.listForParticipant(CLI_ACTOR, participant.id));
  const demog = records.find((r) => r.form === 'DEMOG');
  return expectOk(await t.vault.records.read(CLI_ACTOR, demog?.id ?? '', { reveal: true })).values;
}

describe('demo study', () => {
  const vaults: TestVault[] = [];
  afterEach(async () => {
    for (const t of vaults.splice(0)) await t.cleanup();
  });

  it('has 3 sites, 60 participants, every form, and is marked as demo data', async () => {
    const t = await freshVault('sqlite');
    vaults.push(t);
    const report = expectOk(await t.vault.demo.seed(CLI_ACTOR, 3));
    expect(report.participants).toBe(60);
    const study = expectOk(await t.vault.studies.getStudy(CLI_ACTOR, DEMO_PROTOCOL));
    expect(study.isDemo).toBe(true);
    expect(study.title).toContain('DEMO');
    expect(expectOk(await t.vault.studies.listSites(CLI_ACTOR, study.id)).map((s) => s.code)).toEqual([
      'S01',
      'S02',
      'S03',
    ]);
    const forms = expectOk(await t.vault.forms.listForms(CLI_ACTOR, study.id));
    expect(forms.map((f) => f.oid).sort()).toEqual(['AE', 'DEMOG', 'LABS', 'PAYMENT', 'RAND', 'VITALS']);
    const again = await t.vault.demo.seed(CLI_ACTOR, 3);
    expect(again.ok ? null : again.error.code).toBe('ALREADY_EXISTS');
  });

  it('is deterministic from the seed', async () => {
    const [a, b, c] = [await freshVault('sqlite'), await freshVault('sqlite'), await freshVault('sqlite')];
    vaults.push(a, b, c);
    expectOk(await a.vault.demo.seed(CLI_ACTOR, 11));
    expectOk(await b.vault.demo.seed(CLI_ACTOR, 11));
    expectOk(await c.vault.demo.seed(CLI_ACTOR, 12));
    const [va, vb, vc] = [await firstDemographics(a), await firstDemographics(b), await firstDemographics(c)];
    expect(va).toEqual(vb);
    expect(va).not.toEqual(vc);
    expect(String(va.EMAIL)).toMatch(/@example\.org$/);
  });
});
