import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/clock.js';
import { enrolledDevice, heartRate } from '../../test/support/devices.js';
import { populate } from '../../test/support/populate.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { DEVICES_BINDINGS } from '../devices/devices-bindings.js';
import { FORMS_BINDINGS } from '../forms/forms-bindings.js';
import { ledgerSeal, rowKeyOf, rowMacHolds, type SealedRow } from '../ledger/row-seal.js';
import { parseRowSeals } from '../ledger/row-seal-store.js';
import { PARTICIPANTS_BINDINGS } from '../participants/participants-bindings.js';
import { RECORDS_BINDINGS } from '../records/records-bindings.js';
import { SIGNATURES_BINDINGS } from '../signatures/signatures-bindings.js';
import { STUDIES_BINDINGS } from '../studies/studies-bindings.js';
import { VAULT_BINDINGS } from '../vault/vault-bindings.js';

const SEALED = [
  ...STUDIES_BINDINGS,
  ...FORMS_BINDINGS,
  ...PARTICIPANTS_BINDINGS,
  ...RECORDS_BINDINGS,
  ...VAULT_BINDINGS,
  ...DEVICES_BINDINGS,
  ...SIGNATURES_BINDINGS,
].filter((b) => b.how === 'row-seal');

/**
 * Every write of the study data tables goes through an event that seals the row (issue #17): after a
 * store has seen every kind of write (enrolment, records and corrections with lookups, devices and
 * uploads, a policy, a key rotation, an erasure, the demo), each row's MAC holds and equals the latest
 * ledger seal, and every sealed row still present is there.
 */
for (const dialect of DIALECTS) {
  describe(`study data rows sealed by their events (${dialect})`, () => {
    let t: TestVault;
    let clock: TestClock;
    beforeEach(async () => {
      clock = new TestClock();
      t = await freshVault(dialect, { clock });
    });
    afterEach(async () => t.cleanup());

    it('issue #17: every row of every row-sealed study table carries its MAC and its latest ledger seal', async () => {
      const { study } = await populate(t.vault);
      const participant = expectOk(await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01' }));
      const { device, client } = await enrolledDevice(t.vault, participant.id);
      expectOk(
        await t.vault.telemetry.ingest(client.upload(heartRate(clock.time, 5), clock.time), {
          studyId: study.id,
          participantId: participant.id,
        }),
      );
      // A refused upload (the same bytes again) writes the device row too.
      const bytes = client.upload(heartRate(clock.time + 10_000, 5), clock.time + 10_000);
      expectOk(await t.vault.telemetry.ingest(bytes, { studyId: study.id, participantId: participant.id }));
      await t.vault.telemetry.ingest(bytes, { studyId: study.id, participantId: participant.id });
      expectOk(
        await t.vault.devices.setStatus(CLI_ACTOR, device.id, { status: 'suspended', reason: 'Battery' }),
      );
      expectOk(
        await t.vault.series.setPolicy(CLI_ACTOR, study.id, {
          overrides: { heart_rate: { min: 40, max: 150 } },
          reason: 'Protocol',
        }),
      );
      expectOk(await t.vault.keys.rotateStudy(CLI_ACTOR, study.id));
      expectOk(await t.vault.participants.setStatus(CLI_ACTOR, participant.id, 'completed', 'Study end'));
      expectOk(await t.vault.demo.seed(CLI_ACTOR));
      expect(
        expectOk(await t.vault.participants.lookup(CLI_ACTOR, study.id, 'mrn', 'MRN-0000-AB')),
      ).toHaveLength(1);

      const latest = new Map<string, string | null>();
      for (const event of await t.vault.store.db
        .selectFrom('audit_events')
        .selectAll()
        .orderBy('seq')
        .execute())
        for (const [table, key, seal] of parseRowSeals(event.row_seals))
          latest.set(`${table}/${JSON.stringify(key)}`, seal);
      let rows = 0;
      for (const binding of SEALED) {
        const stored = (await t.vault.store.db
          .selectFrom(binding.table as 'studies')
          .selectAll()
          .execute()) as unknown as SealedRow[];
        for (const row of stored) {
          rows++;
          const id = `${binding.table}/${JSON.stringify(rowKeyOf(binding, row))}`;
          expect(rowMacHolds(t.vault.keyring, binding, row), `${id}: row MAC`).toBe(true);
          expect(latest.get(id), `${id}: ledger seal`).toBe(ledgerSeal(t.vault.keyring, binding, row));
        }
      }
      expect(rows).toBeGreaterThan(100);
    });
  });
}
