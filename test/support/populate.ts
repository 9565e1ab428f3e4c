import type { Vault } from '../../src/app/vault.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { enrollWithDemographics, PERSON, seedStudy } from './fixtures.js';

/** A small but complete trail: records, corrections, lock/unlock, an erasure, and a checkpoint. */
export async function populate(vault: Vault) {
  const study = await seedStudy(vault);
  const people = [];
  for (let i = 0; i < 4; i++) {
    const site = i % 2 === 0 ? 'S01' : 'S02';
    const { participant, record } = await enrollWithDemographics(vault, study.id, site, {
      ...PERSON,
      MRN: `MRN-000${i}-AB`,
      FULL_NAME: `Person ${i}`,
    });
    const vitals = expectOk(
      await vault.records.create(CLI_ACTOR, {
        participantId: participant.id,
        form: 'VITALS',
        visit: 'BASELINE',
        values: { SYSBP: 120 + i, DIABP: 80 },
      }),
    );
    expectOk(
      await vault.records.update(CLI_ACTOR, vitals.id, {
        changes: { SYSBP: 130 + i },
        reason: 'Transcription error',
      }),
    );
    people.push({ participant, record, vitals });
  }
  const first = people[0];
  if (first === undefined) throw new Error('no participant');
  expectOk(await vault.records.lock(CLI_ACTOR, first.vitals.id));
  expectOk(await vault.records.unlock(CLI_ACTOR, first.vitals.id, 'Query raised by monitor'));
  expectOk(await vault.records.lock(CLI_ACTOR, first.record.id));
  const erased = people[3];
  if (erased !== undefined)
    expectOk(
      await vault.participants.erase(
        CLI_ACTOR,
        erased.participant.id,
        'Consent withdrawn, erasure requested',
      ),
    );
  const checkpoint = expectOk(await vault.ledger.checkpoint());
  return { study, people, checkpoint };
}
