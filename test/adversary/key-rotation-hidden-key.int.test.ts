import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DbaStore } from '../support/dba.js';
import type { Row } from '../support/dba-sql.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s13 (attack-seals 3, fixed): key rotation's last phase deletes the study keys "no
 * participant key uses" and seals them as deleted (src/studies/key-rotation.ts, `deleteUnusedStudyKeys`
 * in src/vault/repo.ts). Which keys are in use is decided on participant_keys rows read unchecked.
 * A database administrator hides one participant's key row during the rotation (deleted, then put back
 * exactly as it was, seal included): it is not rewrapped, its study key version is judged unused,
 * deleted and sealed as deleted by a genuine event. The participant's data was unreadable for good
 * (an unaudited crypto-shred), and `verify` found nothing. Fixed: no study key is destroyed unless
 * every participant the log names (created, not erased) holds a checked key under the new version.
 */
for (const dialect of DIALECTS) {
  describe(`review s13: key rotation never retires a study key still in use (${dialect})`, () => {
    it("a participant's key hidden during a rotation: the old key is kept, the data reads again once put back", async () =>
      DbaStore.with(dialect, async (s) => {
        const p = await s.participant('S01');
        const q = await s.participant('S01');
        expectOk(await s.vault.records.read(CLI_ACTOR, p.demog, { reveal: true }));
        let saved: Row[] = [];
        await s.tamper(async (db) => {
          saved = await db.all('select * from participant_keys where participant_id = ?', p.id);
          expect(saved.length).toBe(1);
          await db.run('delete from participant_keys where participant_id = ?', p.id);
        });
        // The operator rotates the study key (trialvault keys rotate).
        const report = await s.vault.keys.rotateStudy(CLI_ACTOR, s.study.id);
        expect(report.ok ? null : report.error.code).toBe('ROW_TAMPERED');
        await s.tamper(async (db) => {
          await db.restoreRows('participant_keys', saved, ['participant_id']);
        });
        // Nothing lost: both participants read; a second rotation completes and retires the old key.
        expectOk(await s.vault.records.read(CLI_ACTOR, q.demog, { reveal: true }));
        expectOk(await s.vault.records.read(CLI_ACTOR, p.demog, { reveal: true }));
        const again = expectOk(await s.vault.keys.rotateStudy(CLI_ACTOR, s.study.id));
        expect(again.retiredVersions).toBeGreaterThanOrEqual(1);
        expectOk(await s.vault.records.read(CLI_ACTOR, p.demog, { reveal: true }));
        expect(await s.findings()).toEqual([]);
      }));
  });
}
