import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollWithDemographics, PAYMENT, PERSON, seedStudy } from '../../test/support/fixtures.js';
import { pgDump } from '../../test/support/pg-dump.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { resealRow } from '../ledger/row-seal-store.js';
import { RECORD_VERSIONS } from './records-bindings.js';

for (const dialect of DIALECTS) {
  describe(`records (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    /**
     * A version row changed in SQL is refused by its row MAC first (ROW_TAMPERED, issue #17); resealed
     * as if by someone holding the row key, the field envelopes' AAD still refuses it (second layer).
     */
    async function refusedThenResealed(recordId: string): Promise<void> {
      const read = await t.vault.records.read(CLI_ACTOR, recordId, { reveal: true });
      expect(read.ok ? null : read.error).toMatchObject({
        code: 'ROW_TAMPERED',
        details: { table: 'record_versions' },
      });
      await resealRow(t.vault.store.db, t.vault.keyring, RECORD_VERSIONS, [recordId, 1]);
    }

    it('creates version 1, masks protected values, reveals them with an audit event', async () => {
      const study = await seedStudy(t.vault);
      const { record } = await enrollWithDemographics(t.vault, study.id);
      expect(record.version).toBe(1);
      expect(record.values).toEqual({ SEX: 'F' });
      expect(record.masked.sort()).toEqual([
        'ADDRESS',
        'BIRTH_DATE',
        'EMAIL',
        'FULL_NAME',
        'MRN',
        'PHONE',
        'ZIP',
      ]);
      const masked = expectOk(await t.vault.records.read(CLI_ACTOR, record.id));
      expect(masked.values.FULL_NAME).toBeUndefined();
      const revealed = expectOk(await t.vault.records.read(CLI_ACTOR, record.id, { reveal: true }));
      expect(revealed.values).toEqual(PERSON);
      const events = await t.vault.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'record.reveal')
        .execute();
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]?.details ?? '{}').fields).toContain('FULL_NAME');
    });

    it('21 CFR 11.10(e): an update without a reason is refused and changes nothing', async () => {
      const study = await seedStudy(t.vault);
      const { record } = await enrollWithDemographics(t.vault, study.id);
      for (const reason of [undefined, '', '   ', 'x']) {
        const result = await t.vault.records.update(CLI_ACTOR, record.id, { changes: { SEX: 'M' }, reason });
        expect(result.ok ? null : result.error.code).toBe('REASON_REQUIRED');
      }
      const after = expectOk(await t.vault.records.read(CLI_ACTOR, record.id));
      expect(after.version).toBe(1);
      expect(after.values.SEX).toBe('F');
    });

    it('updates make immutable versions with who, when, why and old -> new', async () => {
      const study = await seedStudy(t.vault);
      const { record } = await enrollWithDemographics(t.vault, study.id);
      const updated = expectOk(
        await t.vault.records.update(CLI_ACTOR, record.id, {
          changes: { SEX: 'M', EMAIL: 'new.address@canary.example' },
          reason: 'Transcription error',
        }),
      );
      expect(updated.version).toBe(2);
      const history = expectOk(await t.vault.records.history(CLI_ACTOR, record.id, { reveal: true }));
      expect(history.map((h) => h.action)).toEqual(['create', 'update']);
      const change = history[1];
      expect(change?.reason).toBe('Transcription error');
      expect(change?.actor).toBe('system:cli');
      expect(change?.changes).toEqual([
        { field: 'EMAIL', old: { value: PERSON.EMAIL }, new: { value: 'new.address@canary.example' } },
        { field: 'SEX', old: { value: 'F' }, new: { value: 'M' } },
      ]);
      const masked = expectOk(await t.vault.records.history(CLI_ACTOR, record.id));
      expect(masked[1]?.changes[0]).toEqual({ field: 'EMAIL', old: { masked: true }, new: { masked: true } });
    });

    it('validates values against the form: bad values are refused with field names, never values', async () => {
      const study = await seedStudy(t.vault);
      const { participant } = await enrollWithDemographics(t.vault, study.id);
      const result = await t.vault.records.create(CLI_ACTOR, {
        participantId: participant.id,
        form: 'VITALS',
        visit: 'BASELINE',
        values: { SYSBP: 999, DIABP: 'eighty', BOGUS: 1 },
      });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe('VALIDATION_FAILED');
      expect(result.error.details?.fields).toEqual({
        SYSBP: 'must be at most 260',
        DIABP: 'must be a number',
        BOGUS: 'is not a field of this form',
      });
      const wrongFormat = await t.vault.records.update(
        CLI_ACTOR,
        (await enrollWithDemographics(t.vault, study.id, 'S02')).record.id,
        {
          changes: { EMAIL: 'secret-but-invalid' },
          reason: 'Correction',
        },
      );
      expect(JSON.stringify(wrongFormat)).not.toContain('secret-but-invalid');
    });

    it('a locked record refuses writes; unlocking needs a reason', async () => {
      const study = await seedStudy(t.vault);
      const { record } = await enrollWithDemographics(t.vault, study.id);
      expectOk(await t.vault.records.lock(CLI_ACTOR, record.id));
      const refused = await t.vault.records.update(CLI_ACTOR, record.id, {
        changes: { SEX: 'M' },
        reason: 'Correction',
      });
      expect(refused.ok ? null : refused.error.code).toBe('RECORD_LOCKED');
      const noReason = await t.vault.records.unlock(CLI_ACTOR, record.id, '');
      expect(noReason.ok ? null : noReason.error.code).toBe('REASON_REQUIRED');
      expectOk(await t.vault.records.unlock(CLI_ACTOR, record.id, 'Query answered by site'));
      expectOk(
        await t.vault.records.update(CLI_ACTOR, record.id, { changes: { SEX: 'M' }, reason: 'Correction' }),
      );
      const history = expectOk(await t.vault.records.history(CLI_ACTOR, record.id));
      expect(history.map((h) => h.action)).toEqual(['create', 'lock', 'unlock', 'update']);
    });

    it('flipping a ciphertext byte in the database is an integrity error, never garbage', async () => {
      const study = await seedStudy(t.vault);
      const { record } = await enrollWithDemographics(t.vault, study.id);
      const row = await t.vault.store.db
        .selectFrom('record_versions')
        .selectAll()
        .where('record_id', '=', record.id)
        .executeTakeFirstOrThrow();
      const sealed = JSON.parse(row.sealed_values) as Record<string, string>;
      const bytes = Buffer.from(sealed.FULL_NAME ?? '', 'base64');
      bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0x01;
      sealed.FULL_NAME = bytes.toString('base64');
      await t.vault.store.db
        .updateTable('record_versions')
        .set({ sealed_values: JSON.stringify(sealed) })
        .where('record_id', '=', record.id)
        .execute();
      await refusedThenResealed(record.id);
      const read = await t.vault.records.read(CLI_ACTOR, record.id, { reveal: true });
      expect(read.ok ? null : read.error).toMatchObject({
        code: 'INTEGRITY_ERROR',
        details: { field: 'FULL_NAME' },
      });
      const update = await t.vault.records.update(CLI_ACTOR, record.id, {
        changes: { SEX: 'M' },
        reason: 'Correction',
      });
      expect(update.ok ? null : update.error.code).toBe('INTEGRITY_ERROR');
    });

    it('swapping ciphertexts between two rows or two fields is an integrity error', async () => {
      const study = await seedStudy(t.vault);
      const a = await enrollWithDemographics(t.vault, study.id);
      const b = await enrollWithDemographics(t.vault, study.id, 'S02', {
        ...PERSON,
        FULL_NAME: 'Other Person',
      });
      const db = t.vault.store.db;
      const rowA = await db
        .selectFrom('record_versions')
        .selectAll()
        .where('record_id', '=', a.record.id)
        .executeTakeFirstOrThrow();
      const rowB = await db
        .selectFrom('record_versions')
        .selectAll()
        .where('record_id', '=', b.record.id)
        .executeTakeFirstOrThrow();
      await db
        .updateTable('record_versions')
        .set({ sealed_values: rowB.sealed_values })
        .where('record_id', '=', a.record.id)
        .execute();
      await db
        .updateTable('record_versions')
        .set({ sealed_values: rowA.sealed_values })
        .where('record_id', '=', b.record.id)
        .execute();
      for (const id of [a.record.id, b.record.id]) await refusedThenResealed(id);
      for (const id of [a.record.id, b.record.id]) {
        const read = await t.vault.records.read(CLI_ACTOR, id, { reveal: true });
        expect(read.ok ? null : read.error.code).toBe('INTEGRITY_ERROR');
      }
      // Within one row: swap two fields of the same participant (same key, other field in the AAD).
      const sealed = JSON.parse(rowA.sealed_values) as Record<string, string>;
      [sealed.EMAIL, sealed.PHONE] = [sealed.PHONE ?? '', sealed.EMAIL ?? ''];
      await db
        .updateTable('record_versions')
        .set({ sealed_values: JSON.stringify(sealed) })
        .where('record_id', '=', a.record.id)
        .execute();
      await refusedThenResealed(a.record.id);
      const read = await t.vault.records.read(CLI_ACTOR, a.record.id, { reveal: true });
      expect(read.ok ? null : read.error.code).toBe('INTEGRITY_ERROR');
    });

    it('no protected plaintext anywhere in the stored bytes (SQLite file and WAL, or pg_dump)', async () => {
      const study = await seedStudy(t.vault);
      const { participant } = await enrollWithDemographics(t.vault, study.id);
      expectOk(
        await t.vault.records.create(CLI_ACTOR, {
          participantId: participant.id,
          form: 'PAYMENT',
          visit: 'P1',
          values: PAYMENT,
        }),
      );
      expectOk(
        await t.vault.records.create(CLI_ACTOR, {
          participantId: participant.id,
          form: 'RAND',
          visit: 'BASELINE',
          values: { ARM: 'A', KIT: 'K31337', RAND_DATE: '2026-09-02' },
        }),
      );
      let haystack: string;
      if (t.location.dialect === 'sqlite') {
        const file = t.location.file;
        haystack = [file, `${file}-wal`]
          .map((f) => {
            try {
              return readFileSync(f).toString('latin1');
            } catch {
              return '';
            }
          })
          .join('\n');
        expect(haystack.length).toBeGreaterThan(10_000);
      } else {
        haystack = pgDump(t.location);
        expect(haystack).toContain('record_versions');
      }
      const secrets = [
        ...Object.values(PERSON).filter((v) => v !== 'F'),
        PAYMENT.IBAN,
        PAYMENT.ACCOUNT_HOLDER,
        'K31337',
        '2026-09-01',
      ];
      // pg_dump writes bytea as hex: a digits-only secret (the ZIP 90210) is also a hex string, so it
      // turns up by chance in random ciphertext about once per megabyte. The text is searched with the
      // hex dumps taken out; the hex dumps are searched for each secret's own hex.
      const text = haystack.replace(/\\x[0-9a-f]+/g, '');
      for (const secret of secrets) {
        expect(text.includes(secret), `plaintext found: ${secret}`).toBe(false);
        expect(haystack.includes(Buffer.from(secret).toString('hex'))).toBe(false);
      }
    });

    it('rolls back the change when its audit event cannot be written (one transaction)', async () => {
      const study = await seedStudy(t.vault);
      const { record } = await enrollWithDemographics(t.vault, study.id);
      const db = t.vault.store.db;
      await sql`drop table audit_events`.execute(db).catch(() => {});
      const result = await t.vault.records
        .update(CLI_ACTOR, record.id, { changes: { SEX: 'M' }, reason: 'Correction' })
        .catch((e: unknown) => e);
      expect(result).toBeInstanceOf(Error);
      const versions = await db
        .selectFrom('record_versions')
        .select('version')
        .where('record_id', '=', record.id)
        .execute();
      expect(versions).toHaveLength(1);
    });
  });
}
