import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollWithDemographics, seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { eventLeaf } from '../ledger/event-leaf.js';
import { leafHash } from '../ledger/merkle.js';
import { parseRowSeals } from '../ledger/row-seal-store.js';
import type { Database } from '../storage/schema.js';
import type { Keyring } from '../vault/keyring.js';
import { openVault, type Vault } from './vault.js';

const RECORD_TABLES = new Set(['records', 'record_versions']);

/**
 * Makes the store look as one from before migration 0014 (issue #17): record rows without row seals,
 * no event sealing them, every event's leaf MAC holding (recomputed with the test's key: a store that
 * really came from before 0014 has them, a database administrator could not make them).
 */
async function asBeforeRecordSeals(db: Kysely<Database>, keyring: Keyring): Promise<void> {
  await db
    .updateTable('records')
    .set({ row_seq: null, row_mac: null } as never)
    .execute();
  await db
    .updateTable('record_versions')
    .set({ row_seq: null, row_mac: null } as never)
    .execute();
  for (const event of await db.selectFrom('audit_events').selectAll().orderBy('seq').execute()) {
    const seals = parseRowSeals(event.row_seals);
    const kept = seals.filter(([table]) => !RECORD_TABLES.has(table));
    const sealing = event.action === 'ledger.records-sealed';
    if (kept.length === seals.length && !sealing) continue;
    const row = {
      ...event,
      // The sealing event stands for some other event of an older store, so the sequence has no gap.
      action: sealing ? 'keys.escrow' : event.action,
      row_seals: kept.length === 0 ? null : JSON.stringify(kept),
    };
    await db
      .updateTable('audit_events')
      .set({
        action: row.action,
        row_seals: row.row_seals,
        leaf_mac: keyring.eventMac(leafHash(eventLeaf(row))),
      })
      .where('seq', '=', event.seq)
      .execute();
  }
}

for (const dialect of DIALECTS) {
  describe(`record seals on an existing store (${dialect})`, () => {
    let t: TestVault;
    let reopened: Vault | undefined;
    beforeEach(async () => {
      t = await freshVault(dialect);
      reopened = undefined;
    });
    afterEach(async () => {
      await reopened?.close();
      await t.cleanup();
    });

    const reopen = async () => {
      await reopened?.close();
      reopened = expectOk(await openVault(t.location, { keyDir: t.keyDir, passphrase: undefined }));
      return reopened;
    };
    const sealingEvents = async (vault: Vault) =>
      vault.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'ledger.records-sealed')
        .execute();

    it('issue #17, 21 CFR 11.10(e): the records of a store from before 0014 are sealed once, under one audited event', async () => {
      const study = await seedStudy(t.vault);
      const { record } = await enrollWithDemographics(t.vault, study.id);
      expectOk(await t.vault.records.update(CLI_ACTOR, record.id, { changes: { SEX: 'M' }, reason: 'Typo' }));
      expectOk(await t.vault.records.lock(CLI_ACTOR, record.id, 'Monitored'));
      await asBeforeRecordSeals(t.vault.store.db, t.vault.keyring);
      await t.vault.close();

      const vault = await reopen();
      const [sealed, ...more] = await sealingEvents(vault);
      expect(more).toEqual([]);
      expect(JSON.parse(sealed?.details ?? '{}')).toEqual({ rows: { records: 1, record_versions: 2 } });
      const read = expectOk(await vault.records.read(CLI_ACTOR, record.id));
      expect(read).toMatchObject({ version: 2, locked: true });
      expect(expectOk(await vault.records.history(CLI_ACTOR, record.id))).toHaveLength(3);
      const findings = (await vault.ledger.verify()).findings.filter((f) => RECORD_TABLES.has(f.table));
      expect(findings).toEqual([]);

      // Sealed once: a second start writes no second event, and a record row without a MAC is refused.
      const again = await reopen();
      expect(await sealingEvents(again)).toHaveLength(1);
      await again.store.db
        .updateTable('records')
        .set({ row_mac: null } as never)
        .where('id', '=', record.id)
        .execute();
      const refused = await again.records.read(CLI_ACTOR, record.id);
      expect(refused.ok ? 'read' : refused.error.code).toBe('ROW_TAMPERED');
    });

    it('issue #17: with its sealing event deleted, record rows stripped of their MAC are never sealed again', async () => {
      const study = await seedStudy(t.vault);
      const { record } = await enrollWithDemographics(t.vault, study.id);
      const db = t.vault.store.db;
      await db
        .updateTable('records')
        .set({ locked: 1, row_mac: null, row_seq: null } as never)
        .execute();
      await db.deleteFrom('audit_events').where('action', '=', 'ledger.records-sealed').execute();
      await t.vault.close();

      const vault = await reopen();
      expect(await sealingEvents(vault)).toEqual([]);
      const read = await vault.records.read(CLI_ACTOR, record.id);
      expect(read.ok ? 'read' : read.error.code).toBe('ROW_TAMPERED');
      const alerts = await vault.store.db
        .selectFrom('alerts')
        .selectAll()
        .where('kind', '=', 'row.tampered')
        .execute();
      expect(alerts.map((a) => JSON.parse(a.details) as { missing?: string })).toContainEqual(
        expect.objectContaining({ missing: 'ledger.records-sealed' }),
      );
    });
  });
}
