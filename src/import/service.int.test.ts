import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PAYMENT, PERSON, seedStudy } from '../../test/support/fixtures.js';
import { pgDump } from '../../test/support/pg-dump.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';

const HEADER =
  'subject_id,site,consent_date,form,visit,FULL_NAME,MRN,EMAIL,BIRTH_DATE,SEX,SYSBP,DIABP,IBAN,ACCOUNT_HOLDER,AMOUNT,PAID_ON';

for (const dialect of DIALECTS) {
  describe(`import (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    async function counts() {
      const db = t.vault.store.db;
      const p = await db
        .selectFrom('participants')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      const r = await db
        .selectFrom('record_versions')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return { participants: Number(p.n), versions: Number(r.n) };
    }

    it('imports a CSV all at once: participants, records, and updates with the reason', async () => {
      const study = await seedStudy(t.vault);
      const file = join(t.dir, 'batch.csv');
      writeFileSync(
        file,
        [
          HEADER,
          `P-001,S01,2026-09-01,,,,,,,,,,,,,`,
          `P-001,,,DEMOG,SCREENING,"${PERSON.FULL_NAME}",${PERSON.MRN},${PERSON.EMAIL},${PERSON.BIRTH_DATE},F,,,,,,`,
          `P-001,,,VITALS,BASELINE,,,,,,120,80,,,,`,
          `P-002,S02,,PAYMENT,P1,,,,,,,,${PAYMENT.IBAN},"${PAYMENT.ACCOUNT_HOLDER}",${PAYMENT.AMOUNT},${PAYMENT.PAID_ON}`,
        ].join('\n'),
      );
      const report = expectOk(
        await t.vault.imports.importFile(CLI_ACTOR, study.id, file, 'Migration from paper CRFs'),
      );
      expect(report).toMatchObject({ participantsCreated: 2, recordsCreated: 3, recordsUpdated: 0 });
      const found = expectOk(await t.vault.participants.lookup(CLI_ACTOR, study.id, 'mrn', PERSON.MRN));
      expect(found.map((p) => p.subjectId)).toEqual(['P-001']);

      // The same subject again: an update, which carries the import's reason.
      const second = join(t.dir, 'second.jsonl');
      writeFileSync(
        second,
        `${JSON.stringify({ type: 'record', subjectId: 'P-001', form: 'VITALS', visit: 'BASELINE', values: { SYSBP: 125 } })}\n`,
      );
      const again = expectOk(
        await t.vault.imports.importFile(CLI_ACTOR, study.id, second, 'Corrected lab transfer'),
      );
      expect(again).toMatchObject({ participantsCreated: 0, recordsCreated: 0, recordsUpdated: 1 });
      const records = await t.vault.store.db
        .selectFrom('record_versions')
        .selectAll()
        .where('version', '=', 2)
        .execute();
      expect(records.map((r) => r.reason)).toEqual(['Corrected lab transfer']);
    });

    it('imports a JSON document', async () => {
      const study = await seedStudy(t.vault);
      const file = join(t.dir, 'batch.json');
      writeFileSync(
        file,
        JSON.stringify({
          participants: [{ subjectId: 'J-1', site: 'S01', consentDate: '2026-01-01' }],
          records: [{ subjectId: 'J-1', form: 'DEMOG', visit: 'SCREENING', values: PERSON }],
        }),
      );
      expect(
        expectOk(await t.vault.imports.importFile(CLI_ACTOR, study.id, file, 'Initial load')),
      ).toMatchObject({
        participantsCreated: 1,
        recordsCreated: 1,
      });
    });

    it('rejects a file with any bad row, reports every line and reason, and changes nothing', async () => {
      const study = await seedStudy(t.vault);
      const before = await counts();
      const file = join(t.dir, 'bad.csv');
      writeFileSync(
        file,
        [
          HEADER,
          `P-001,S01,,,,,,,,,,,,,,`,
          `P-001,,,VITALS,BASELINE,,,,,,999,80,,,,`,
          `P-002,S77,,,,,,,,,,,,,,`,
          `P-003,,,VITALS,BASELINE,,,,,,120,80,,,,`,
          `P-001,,,NOPE,BASELINE,,,,,,,,,,,`,
          `P-001,,,DEMOG,SCREENING,"${PERSON.FULL_NAME}",,,,F,,,,,,`,
          `P-004,S01,2026-13-01,,,,,,,,,,,,,`,
        ].join('\n'),
      );
      const result = await t.vault.imports.importFile(CLI_ACTOR, study.id, file, 'Migration');
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe('IMPORT_REJECTED');
      expect(result.error.details?.problems).toEqual([
        { where: 'line 3', reason: 'SYSBP must be at most 260' },
        { where: 'line 4', reason: 'no such site in the study' },
        { where: 'line 5', reason: 'unknown subject and no site to enroll it at' },
        { where: 'line 6', reason: 'no live form NOPE' },
        { where: 'line 7', reason: 'MRN is required; BIRTH_DATE is required' },
        { where: 'line 8', reason: 'consent date must be a date as YYYY-MM-DD' },
      ]);
      expect(JSON.stringify(result.error)).not.toContain(PERSON.FULL_NAME);
      expect(await counts()).toEqual(before);
    });

    it('refuses malformed files and a missing reason with typed errors', async () => {
      const study = await seedStudy(t.vault);
      const cases: [string, string, string][] = [
        ['a.jsonl', '{"type":"record",', 'IMPORT_REJECTED'],
        ['b.json', '[1,2,3]', 'IMPORT_REJECTED'],
        ['c.csv', 'subject_id,form\n"unterminated,DEMOG\n', 'IMPORT_REJECTED'],
        ['d.txt', 'x', 'VALIDATION_FAILED'],
        ['e.csv', '', 'IMPORT_REJECTED'],
      ];
      for (const [name, content, code] of cases) {
        const file = join(t.dir, name);
        writeFileSync(file, content);
        const result = await t.vault.imports.importFile(CLI_ACTOR, study.id, file, 'Load');
        expect(result.ok ? null : result.error.code, name).toBe(code);
      }
      const file = join(t.dir, 'ok.jsonl');
      writeFileSync(file, '{"type":"participant","subjectId":"A-1","site":"S01"}\n');
      const noReason = await t.vault.imports.importFile(CLI_ACTOR, study.id, file, undefined);
      expect(noReason.ok ? null : noReason.error.code).toBe('REASON_REQUIRED');
      expect((await counts()).participants).toBe(0);
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`import leaves no plaintext (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    it('HIPAA 164.312(a)(2)(iv): imported names, e-mails and bank details are nowhere in the stored bytes', async () => {
      const study = await seedStudy(t.vault);
      const file = join(t.dir, 'people.csv');
      const people = [
        {
          name: 'Octavia Pemberton-Quill',
          email: 'octavia.pq@canary.example',
          iban: 'GB82WEST12345698765432',
          mrn: 'MRN-5550-OQ',
        },
        {
          name: 'Bartholomew Xerxes Lund',
          email: 'bx.lund@canary.example',
          iban: 'FR1420041010050500013M02606',
          mrn: 'MRN-5551-BL',
        },
      ];
      writeFileSync(
        file,
        [
          HEADER,
          ...people.flatMap((p, i) => [
            `C-${i},S01,2026-09-0${i + 1},DEMOG,SCREENING,"${p.name}",${p.mrn},${p.email},1970-01-0${i + 1},F,,,,,,`,
            `C-${i},,,PAYMENT,P1,,,,,,,,${p.iban},"${p.name}",20,2026-10-01`,
          ]),
        ].join('\n'),
      );
      expectOk(await t.vault.imports.importFile(CLI_ACTOR, study.id, file, 'Load from site spreadsheets'));
      const stored =
        t.location.dialect === 'sqlite'
          ? [t.location.file, `${t.location.file}-wal`]
              .map((f) => {
                try {
                  return readFileSync(f).toString('latin1');
                } catch {
                  return '';
                }
              })
              .join('')
          : pgDump(t.location);
      expect(stored).toContain('C-0');
      for (const p of people) {
        for (const secret of [p.name, p.email, p.iban, p.mrn]) {
          expect(stored.includes(secret), `plaintext found: ${secret}`).toBe(false);
        }
      }
    });
  });
}
