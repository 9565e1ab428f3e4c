import { describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../support/access.js';
import { DbaStore, type Person, TAMPERED } from '../support/dba.js';
import { codeAt } from '../support/http-auth.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Electronic signatures from the database administrator's seat (issue #17): a signature edited,
 * deleted or inserted in SQL on the stopped store is never shown as valid by the server started again
 * on it, and `verify` names the table (21 CFR 11.70: signatures linked to their records so that they
 * cannot be excised, copied or transferred to falsify a record; 11.10(e)).
 */
type Shown = { id: string; meaning: string; printedName: string; valid: boolean };

/** The PI signs the record over HTTP (password and TOTP): the signature's id. */
async function signed(s: DbaStore, pi: Person, recordId: string): Promise<string> {
  const browser = await s.browser(pi);
  s.clock.advance(1);
  const answer = await s.call(browser, 'POST', `/api/v1/records/${recordId}/signatures`, {
    meaning: 'authored',
    password: TEST_PASSWORD,
    totp: await codeAt(pi.secret, s.clock),
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id as string;
}

/** What a reader is shown as valid: nothing, when the list is refused. */
async function shownValid(s: DbaStore, reader: Person, recordId: string): Promise<Shown[]> {
  const answer = await s.as(reader, 'GET', `/api/v1/records/${recordId}/signatures`);
  if (answer.status !== 200) {
    expect(answer.body?.error?.code).toBe(TAMPERED);
    return [];
  }
  const items = (Array.isArray(answer.body) ? answer.body : answer.body.items) as Shown[];
  return items.filter((i) => i.valid);
}

for (const dialect of DIALECTS) {
  describe(`DBA: signatures written in SQL are never shown as valid (${dialect})`, () => {
    it('21 CFR 11.70 / 11.50(a): a signature whose meaning and printed name are edited in SQL is not shown as valid', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const monitor = await s.person('monitor');
        const p = await s.participant('S01');
        const id = await signed(s, pi, p.demog);
        await s.tamper(async (db) => {
          const edited = await db.run(
            `update signatures set meaning = 'approved', printed_name = 'Chief Medical Officer' where id = ?`,
            id,
          );
          expect(edited).toBe(1);
        });
        const valid = await shownValid(s, monitor, p.demog);
        expect(
          valid.filter((v) => v.meaning === 'approved' || v.printedName === 'Chief Medical Officer'),
        ).toEqual([]);
        await s.expectFound('signatures');
      }));

    it('21 CFR 11.70 / 11.10(e): a signature deleted in SQL is found by verify', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const p = await s.participant('S01');
        const id = await signed(s, pi, p.demog);
        await s.tamper(async (db) => {
          expect(await db.run('delete from signatures where id = ?', id)).toBe(1);
        });
        await s.expectFound('signatures');
      }));

    it('21 CFR 11.70 / 11.100(a): a signature inserted in SQL (a copy of a real one, bound to the same content, under another name) is not shown as valid', async () =>
      DbaStore.with(dialect, async (s) => {
        const pi = await s.person('principal_investigator');
        const monitor = await s.person('monitor');
        const p = await s.participant('S01');
        const id = await signed(s, pi, p.demog);
        await s.tamper(async (db) => {
          await db.copyRow(
            'signatures',
            { id },
            {
              id: 'signature-forged',
              user_id: monitor.userId,
              printed_name: 'Test monitor',
              meaning: 'reviewed',
            },
          );
        });
        const valid = await shownValid(s, pi, p.demog);
        expect(valid.map((v) => v.id)).not.toContain('signature-forged');
        await s.expectFound('signatures');
      }));
  });
}
