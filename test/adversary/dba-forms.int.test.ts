import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DbaStore, TAMPERED } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Form definitions from the database administrator's seat (issue #17): the live form version decides
 * which fields are encrypted and masked. Its data classes rewritten in SQL (FULL_NAME, MRN, ARM, KIT
 * set to clinical) would store new values in the clear and show allocation to blinded roles; the
 * server started again on the store refuses to use the version (ASVS 8.2.1, 11.x: encryption never
 * silently off; ICH E9 2.3.1: blinding). A deleted version is found by verify (21 CFR 11.10(e)).
 */
type FieldDef = { oid: string; class: string };

function declassified(definition: string, fields: readonly string[]): string {
  const form = JSON.parse(definition) as { fields: FieldDef[] };
  for (const f of form.fields) if (fields.includes(f.oid)) f.class = 'clinical';
  return JSON.stringify(form);
}

for (const dialect of DIALECTS) {
  describe(`DBA: form versions changed in SQL are never used (${dialect})`, () => {
    it('ASVS 8.2.1 / ICH E9 2.3.1 / 21 CFR 11.10(c): FULL_NAME, MRN, ARM and KIT set to clinical in SQL: nothing stored in the clear, nothing unmasked', async () =>
      DbaStore.with(dialect, async (s) => {
        const coordinator = await s.person('coordinator', 'S01');
        const statistician = await s.person('statistician');
        const p = await s.participant('S01');
        const fresh = expectOk(
          await s.vault.participants.enroll(CLI_ACTOR, s.study.id, {
            site: 'S01',
            consentDate: '2026-09-01',
          }),
        );
        await s.tamper(async (db) => {
          const live = await db.all(
            `select v.id, f.oid, v.definition from form_versions v join forms f on f.id = v.form_id
             where f.oid in ('DEMOG', 'RAND') and v.status = 'live'`,
          );
          expect(live).toHaveLength(2);
          for (const v of live) {
            const definition = declassified(String(v.definition), ['FULL_NAME', 'MRN', 'ARM', 'KIT']);
            expect(
              await db.run('update form_versions set definition = ? where id = ?', definition, v.id),
            ).toBe(1);
          }
        });
        const written = await s.as(coordinator, 'POST', '/api/v1/records', {
          participantId: fresh.id,
          form: 'DEMOG',
          visit: 'SCREENING',
          values: {
            FULL_NAME: 'Plaintext Canary Name',
            MRN: 'MRN-0000-ZZ',
            BIRTH_DATE: '1970-01-01',
            SEX: 'F',
          },
        });
        expect(written.status).not.toBe(201);
        await s.expectRefused(written, 'form_versions');
        const read = await s.as(statistician, 'GET', `/api/v1/records/${p.rand}`);
        expect(JSON.stringify(read.body)).not.toContain('K12345');
        expect(read.body?.error?.code).toBe(TAMPERED);
        const clear = await s.vault.store.db.selectFrom('record_versions').select('clear_values').execute();
        expect(JSON.stringify(clear)).not.toContain('Plaintext Canary');
        await s.expectFound('form_versions');
      }));

    it('21 CFR 11.10(e) / ICH E6(R3) 4.2.2: a form version deleted in SQL is found by verify', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        await s.tamper(async (db) => {
          const deleted = await db.run(
            `delete from form_versions where form_id in (select id from forms where oid = 'RAND')`,
          );
          expect(deleted).toBe(1);
        });
        const read = await s.as(pi, 'GET', `/api/v1/records/${p.rand}`);
        expect(read.status).not.toBe(200);
        await s.expectFound('form_versions');
      }));
  });
}
