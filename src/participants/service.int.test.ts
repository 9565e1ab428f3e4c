import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollWithDemographics, PAYMENT, PERSON, seedStudy } from '../../test/support/fixtures.js';
import { pgDump } from '../../test/support/pg-dump.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';

for (const dialect of DIALECTS) {
  describe(`participants (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    it('numbers subjects per site and seals the consent date (a quasi-identifier)', async () => {
      const study = await seedStudy(t.vault);
      const a = expectOk(
        await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01', consentDate: '2026-01-02' }),
      );
      const b = expectOk(await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01' }));
      const c = expectOk(await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S02' }));
      expect([a.subjectId, b.subjectId, c.subjectId]).toEqual(['S01-0001', 'S01-0002', 'S02-0001']);
      expect(a.consentDate).toBeUndefined();
      expect(expectOk(await t.vault.participants.get(CLI_ACTOR, a.id, { reveal: true })).consentDate).toBe(
        '2026-01-02',
      );
      const row = await t.vault.store.db
        .selectFrom('participants')
        .selectAll()
        .where('id', '=', a.id)
        .executeTakeFirstOrThrow();
      expect(row.consent_date_sealed?.toString('latin1')).not.toContain('2026-01-02');
    });

    it('refuses bad input with a typed error and stores nothing', async () => {
      const study = await seedStudy(t.vault);
      const cases = [
        [{ site: 'S09' }, 'NOT_FOUND'],
        [{ site: 'S01', consentDate: '2026-02-30' }, 'VALIDATION_FAILED'],
        [{ site: 'S01', subjectId: 'bad id with spaces' }, 'VALIDATION_FAILED'],
        [{ site: 'S01', extra: 1 }, 'VALIDATION_FAILED'],
      ] as const;
      for (const [input, code] of cases) {
        const result = await t.vault.participants.enroll(CLI_ACTOR, study.id, input);
        expect(result.ok ? null : result.error.code).toBe(code);
      }
      expect(await t.vault.store.db.selectFrom('participants').selectAll().execute()).toHaveLength(0);
    });

    it('finds a participant by MRN, e-mail or phone through the blind index, normalised', async () => {
      const study = await seedStudy(t.vault);
      const { participant } = await enrollWithDemographics(t.vault, study.id);
      await enrollWithDemographics(t.vault, study.id, 'S02', {
        ...PERSON,
        MRN: 'MRN-0000-ZZ',
        EMAIL: 'x@y.example',
        PHONE: '12345678',
      });
      for (const [kind, value] of [
        ['mrn', 'mrn 7719 qx'],
        ['email', 'ZELDA.Marlowe@canary.example '],
        ['phone', '+44 (20) 7946-0958'],
      ] as const) {
        const found = expectOk(await t.vault.participants.lookup(CLI_ACTOR, study.id, kind, value));
        expect(found.map((p) => p.id)).toEqual([participant.id]);
      }
      expect(
        expectOk(await t.vault.participants.lookup(CLI_ACTOR, study.id, 'email', 'nobody@x.example')),
      ).toEqual([]);
      const bad = await t.vault.participants.lookup(CLI_ACTOR, study.id, 'name', 'Zelda');
      expect(bad.ok ? null : bad.error.code).toBe('VALIDATION_FAILED');
    });

    it('follows a corrected e-mail in the blind index', async () => {
      const study = await seedStudy(t.vault);
      const { participant, record } = await enrollWithDemographics(t.vault, study.id);
      expectOk(
        await t.vault.records.update(CLI_ACTOR, record.id, {
          changes: { EMAIL: 'z.m@new.example' },
          reason: 'Participant moved',
        }),
      );
      expect(expectOk(await t.vault.participants.lookup(CLI_ACTOR, study.id, 'email', PERSON.EMAIL))).toEqual(
        [],
      );
      const found = expectOk(
        await t.vault.participants.lookup(CLI_ACTOR, study.id, 'email', 'z.m@new.example'),
      );
      expect(found.map((p) => p.id)).toEqual([participant.id]);
    });

    it('GDPR art. 17: erasure crypto-shreds every protected value on every path; others are unchanged', async () => {
      const study = await seedStudy(t.vault);
      const gone = await enrollWithDemographics(t.vault, study.id);
      const payment = expectOk(
        await t.vault.records.create(CLI_ACTOR, {
          participantId: gone.participant.id,
          form: 'PAYMENT',
          visit: 'P1',
          values: PAYMENT,
        }),
      );
      expectOk(
        await t.vault.records.update(CLI_ACTOR, gone.record.id, {
          changes: { FULL_NAME: 'Zelda Marlowe-Smith' },
          reason: 'Name change',
        }),
      );
      const kept = await enrollWithDemographics(t.vault, study.id, 'S02', {
        ...PERSON,
        FULL_NAME: 'Kept Person',
        MRN: 'MRN-0001-AA',
      });

      const noReason = await t.vault.participants.erase(CLI_ACTOR, gone.participant.id, '');
      expect(noReason.ok ? null : noReason.error.code).toBe('REASON_REQUIRED');
      expectOk(
        await t.vault.participants.erase(
          CLI_ACTOR,
          gone.participant.id,
          'Participant withdrew consent and asked for erasure',
        ),
      );

      // Reads: protected fields unavailable, clinical values still there.
      const read = expectOk(await t.vault.records.read(CLI_ACTOR, gone.record.id, { reveal: true }));
      expect(read.values).toEqual({ SEX: 'F' });
      expect(read.unavailable).toContain('FULL_NAME');
      const paymentRead = expectOk(await t.vault.records.read(CLI_ACTOR, payment.id, { reveal: true }));
      expect(paymentRead.values).toEqual({});
      const history = expectOk(await t.vault.records.history(CLI_ACTOR, gone.record.id, { reveal: true }));
      expect(JSON.stringify(history)).not.toContain('Zelda');
      expect(history[1]?.changes[0]).toEqual({
        field: 'FULL_NAME',
        old: { unavailable: true },
        new: { unavailable: true },
      });
      const participant = await t.vault.participants.get(CLI_ACTOR, gone.participant.id, { reveal: true });
      expect(participant.ok ? null : participant.error.code).toBe('PARTICIPANT_ERASED');
      expect(expectOk(await t.vault.participants.lookup(CLI_ACTOR, study.id, 'mrn', PERSON.MRN))).toEqual([]);
      const write = await t.vault.records.update(CLI_ACTOR, gone.record.id, {
        changes: { SEX: 'M' },
        reason: 'Correction',
      });
      expect(write.ok ? null : write.error.code).toBe('PARTICIPANT_ERASED');
      // Even with the old wrapped key gone from this process, a fresh keyring cannot get it back.
      t.vault.keyring.forget(gone.participant.id);
      expect((await t.vault.keyring.participantKey(t.vault.store.db, gone.participant.id)).ok).toBe(false);
      // Another participant is untouched.
      const other = expectOk(await t.vault.records.read(CLI_ACTOR, kept.record.id, { reveal: true }));
      expect(other.values.FULL_NAME).toBe('Kept Person');
      // The wrapped key is gone from the stored bytes too (secure_delete, WAL truncated; VACUUM in PostgreSQL).
      const keys = await t.vault.store.db.selectFrom('participant_keys').select('participant_id').execute();
      expect(keys.map((k) => k.participant_id)).toEqual([kept.participant.id]);
      const erased = await t.vault.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'participant.erase')
        .execute();
      expect(erased).toHaveLength(1);
    });

    it('erasure leaves no trace of the destroyed key in the SQLite file or PostgreSQL dump', async () => {
      const study = await seedStudy(t.vault);
      const gone = await enrollWithDemographics(t.vault, study.id);
      const before = await t.vault.store.db
        .selectFrom('participant_keys')
        .select('wrapped_key')
        .where('participant_id', '=', gone.participant.id)
        .executeTakeFirstOrThrow();
      expectOk(await t.vault.participants.erase(CLI_ACTOR, gone.participant.id, 'Erasure requested'));
      const needle = before.wrapped_key.toString('hex');
      if (t.location.dialect === 'sqlite') {
        const bytes = [t.location.file, `${t.location.file}-wal`].map((f) => {
          try {
            return readFileSync(f).toString('hex');
          } catch {
            return '';
          }
        });
        expect(bytes.join('').includes(needle)).toBe(false);
      } else {
        expect(pgDump(t.location).includes(needle)).toBe(false);
      }
    });

    it('rotates the study key while data stays readable, and retires the old version', async () => {
      const study = await seedStudy(t.vault);
      const { record } = await enrollWithDemographics(t.vault, study.id);
      await enrollWithDemographics(t.vault, study.id, 'S02', { ...PERSON, MRN: 'MRN-0002-BB' });
      const report = expectOk(await t.vault.keys.rotateStudy(CLI_ACTOR, study.id));
      expect(report).toMatchObject({ fromVersion: 1, toVersion: 2, rewrapped: 2, retiredVersions: 1 });
      t.vault.keyring.forget(record.participantId);
      expect(
        expectOk(await t.vault.records.read(CLI_ACTOR, record.id, { reveal: true })).values.FULL_NAME,
      ).toBe(PERSON.FULL_NAME);
      const versions = await t.vault.store.db
        .selectFrom('study_keys')
        .select('version')
        .where('study_id', '=', study.id)
        .execute();
      expect(versions.map((v) => Number(v.version))).toEqual([2]);
      const fresh = expectOk(await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01' }));
      const row = await t.vault.store.db
        .selectFrom('participant_keys')
        .selectAll()
        .where('participant_id', '=', fresh.id)
        .executeTakeFirstOrThrow();
      expect(Number(row.kek_version)).toBe(2);
    });
  });
}
