import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { type Arena, arena, type Caller } from '../support/adversary.js';
import { DIALECTS } from '../support/stores.js';

const PHQ9 = readFileSync(new URL('../../src/forms/dictionary/fixtures/phq9.csv', import.meta.url), 'utf8');
/** The PHQ-9 with a name field left clinical (REDCap's Identifier? not set). */
const WITH_NAME = `${PHQ9.trimEnd()}\nrespondent_name,phq9,,text,Respondent name,,,,,,,,,,,,,\n`;

/**
 * Form design over HTTP (issue #15 items 2, 3, 11): a data manager designs, imports and publishes;
 * coordinators and monitors cannot; bad dictionaries and unconfirmed identifier lookalikes change
 * nothing; a closed study's forms no longer change.
 */
for (const dialect of DIALECTS) {
  describe(`form design and data dictionaries over HTTP (${dialect})`, () => {
    let a: Arena;
    let dm: Caller;
    let base: string;
    const formList = async () => (await dm.call('GET', `${base}/forms?limit=500`)).body;
    beforeAll(async () => {
      a = await arena(dialect);
      dm = await a.signIn('data_manager');
      base = `/api/v1/studies/${a.study.id}`;
    });
    afterAll(async () => a.close());

    it('ASVS 8.2.1: a coordinator or a monitor cannot create, import or publish forms', async () => {
      const before = await formList();
      for (const role of ['coordinator', 'monitor'] as const) {
        const caller = await a.signIn(role, role === 'coordinator' ? 'S01' : undefined);
        const created = await caller.call('POST', `${base}/forms`, {
          oid: 'SNEAK',
          name: 'Sneak',
          fields: [{ oid: 'X', label: 'X', type: 'text', class: 'clinical' }],
        });
        expect(created.status).toBe(403);
        expect((await caller.call('POST', `${base}/forms/import`, { content: PHQ9 })).status).toBe(403);
        expect((await caller.call('POST', `${base}/forms/VITALS/publish`, { reason: 'try it' })).status).toBe(
          403,
        );
        expect((await caller.call('GET', `${base}/forms/export?format=csv`)).status).toBe(403);
      }
      expect(await formList()).toEqual(before);
    });

    it('a data manager imports the PHQ-9, publishes it with a reason, exports it and diffs versions', async () => {
      const imported = await dm.call('POST', `${base}/forms/import`, { content: PHQ9 });
      expect(imported.status).toBe(200);
      expect(imported.body).toEqual({ format: 'csv', drafts: [{ oid: 'PHQ9', version: 1, created: true }] });
      const published = await dm.call('POST', `${base}/forms/PHQ9/publish`, {
        reason: 'Validated by the PI',
      });
      expect(published.status).toBe(200);
      expect(published.body.status).toBe('live');
      const events = await a.t.vault.deps.db
        .selectFrom('audit_events')
        .select(['reason', 'target'])
        .where('action', '=', 'form.publish')
        .execute();
      expect(events).toContainEqual({ reason: 'Validated by the PI', target: 'PHQ9@1' });
      const odm = await dm.call('GET', `${base}/forms/export?format=odm`);
      expect(odm.body.content).toContain('<FormDef OID="PHQ9"');
      const definition = published.body.definition;
      const changed = {
        ...definition,
        fields: [
          ...definition.fields.map((f: { oid: string }) =>
            f.oid === 'PHQ9_10' ? { ...f, label: 'Difficulty' } : f,
          ),
          { oid: 'PHQ9_NOTE', label: 'Comment', type: 'text', class: 'clinical' },
        ],
      };
      expect((await dm.call('PUT', `${base}/forms/PHQ9/draft`, changed)).status).toBe(200);
      const diff = await dm.call('GET', `${base}/forms/PHQ9/diff?from=1&to=2`);
      expect(diff.body.added.map((f: { oid: string }) => f.oid)).toEqual(['PHQ9_NOTE']);
      expect(diff.body.changed).toEqual([
        { oid: 'PHQ9_10', changes: [{ key: 'label', from: definition.fields[10].label, to: 'Difficulty' }] },
      ]);
      const versions = await dm.call('GET', `${base}/forms/PHQ9/versions`);
      expect(versions.body.items.map((v: { status: string }) => v.status)).toEqual(['live', 'draft']);
      // A live version never changes: version 1 is as published.
      expect(versions.body.items[0].fields).toBe(11);
    });

    it('bad dictionaries and an unconfirmed identifier lookalike are refused naming line and field; nothing changes', async () => {
      const before = await formList();
      const broken = PHQ9.replace('phq9_3,phq9,,radio,', 'phq9_3,phq9,radio,');
      const refused = await dm.call('POST', `${base}/forms/import`, { content: broken });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('DICTIONARY_INVALID');
      expect(refused.body.error.details.issues[0]).toMatchObject({ line: 4 });
      const badLogic = PHQ9.replace("[phq9_total] > '0'", "[phq9_total] >> '0'");
      const logic = await dm.call('POST', `${base}/forms/import`, { content: badLogic });
      expect(logic.body.error.details.issues[0]).toMatchObject({
        line: 12,
        column: 'Branching Logic (Show field only if...)',
      });
      const dup = PHQ9.replace('0, Not at all | 1, Several days', '1, Not at all | 1, Several days');
      const duplicate = await dm.call('POST', `${base}/forms/import`, { content: dup });
      expect(duplicate.body.error.details.issues[0]).toMatchObject({ line: 2 });
      expect(duplicate.body.error.message).toContain('PHQ9_1');
      expect(await formList()).toEqual(before);

      const named = WITH_NAME.replaceAll('phq9', 'phq9b');
      expect((await dm.call('POST', `${base}/forms/import`, { content: named })).status).toBe(200);
      const mid = await formList();
      const unconfirmed = await dm.call('POST', `${base}/forms/PHQ9B/publish`, { reason: 'Go live' });
      expect(unconfirmed.status).toBe(400);
      expect(unconfirmed.body.error.code).toBe('CLASS_CONFIRMATION_REQUIRED');
      expect(unconfirmed.body.error.message).toContain('RESPONDENT_NAME');
      expect(await formList()).toEqual(mid);
      const confirmed = await dm.call('POST', `${base}/forms/PHQ9B/publish`, {
        reason: 'Pseudonym, not a name',
        confirmClinical: ['RESPONDENT_NAME'],
      });
      expect(confirmed.status).toBe(200);
    });

    it('publishing into a closed study is refused', async () => {
      const admin = await a.signIn('study_admin');
      const draft = await admin.call('POST', `${base}/forms`, {
        oid: 'LATE',
        name: 'Late form',
        fields: [{ oid: 'SCORE', label: 'Score', type: 'integer', class: 'clinical' }],
      });
      expect(draft.status).toBe(201);
      expectOk(await a.t.vault.studies.setStatus(CLI_ACTOR, a.study.id, 'closed'));
      const late = await dm.call('POST', `${base}/forms/LATE/publish`, { reason: 'Too late' });
      expect(late.status).toBe(409);
      expect(late.body.error.message).toContain('closed');
      expect((await dm.call('POST', `${base}/forms/import`, { content: PHQ9 })).status).toBe(409);
    });
  });
}
