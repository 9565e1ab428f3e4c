import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { type Arena, arena } from '../support/adversary.js';
import { seedStudy } from '../support/fixtures.js';
import { DIALECTS } from '../support/stores.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Review s13 (H6, fixed: `refuseClosed` inside the transaction; a race any data manager could win): publishing a form checks the study's status on
 * the row read BEFORE its transaction (`forms/service.ts` `publish`: `openForDesign(known.value)`), not
 * inside it (docs/architecture.md: "read inside the writing transaction, so a study closed meanwhile
 * takes nothing more"). A close that commits between the two leaves a form published into a closed
 * study: `form.publish` after `study.status` closed in the ledger.
 */
for (const dialect of DIALECTS) {
  describe(`review s13: a form published into a study closed meanwhile (${dialect})`, () => {
    it('no interleaving of publish and close publishes after the close', async () => {
      const a: Arena = await arena(dialect);
      try {
        const won: number[] = [];
        for (let delay = 0; delay < 12 && won.length === 0; delay++) {
          const study = await seedStudy(a.t.vault, `TV-RACE-${delay}`);
          expectOk(await a.t.vault.studies.setStatus(CLI_ACTOR, study.id, 'live', 'Approved'));
          const dm = await a.signIn('data_manager', undefined, study.id);
          const draft = expectOk(
            await a.t.vault.forms.defineForm(CLI_ACTOR, study.id, {
              oid: 'LATE',
              name: 'Late form',
              fields: [{ oid: 'SCORE', label: 'Score', type: 'integer', class: 'clinical' }],
            }),
          );
          expect(draft.status).toBe('draft');
          const publish = dm.call('POST', `/api/v1/studies/${study.protocolId}/forms/LATE/publish`, {
            reason: 'Go live with the late form',
          });
          for (let i = 0; i < delay; i++) await tick();
          const closed = await a.t.vault.studies.setStatus(CLI_ACTOR, study.id, 'closed', 'Ended');
          const published = await publish;
          if (!closed.ok || published.status !== 200) continue;
          const events = await a.t.vault.store.db
            .selectFrom('audit_events')
            .select(['seq', 'action'])
            .where('study_id', '=', study.id)
            .where('action', 'in', ['form.publish', 'study.status'])
            .orderBy('seq')
            .execute();
          if (events.at(-1)?.action === 'form.publish') won.push(delay);
        }
        expect(won, 'delays at which the form was published after the close').toEqual([]);
      } finally {
        await a.close();
      }
    });
  });
}
