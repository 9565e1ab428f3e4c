import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestClock } from '../../test/support/clock.js';
import {
  enrolledDevice,
  heartRate,
  type TelemetryStudy,
  telemetryStudy,
} from '../../test/support/devices.js';
import { pgDump } from '../../test/support/pg-dump.js';
import { DIALECTS, type TestVault } from '../../test/support/stores.js';
import { openVault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk, type Result } from '../core/result.js';
import { DeviceClient } from './device-client.js';
import type { Receipt } from './telemetry-service.js';

const reasonOf = (r: Result<Receipt>) =>
  r.ok ? 'ACCEPTED' : String(r.error.details?.reason ?? r.error.code);

for (const dialect of DIALECTS) {
  describe(`telemetry ingestion: policy, sequence, plausibility and audit (${dialect})`, () => {
    let t: TestVault;
    let clock: TestClock;
    let f: TelemetryStudy;
    beforeEach(async () => {
      ({ t, clock, f } = await telemetryStudy(dialect));
    });
    afterEach(async () => t.cleanup());

    const target = () => ({ studyId: f.studyId, participantId: f.participantId });
    const send = (bytes: Uint8Array, to = target()) => t.vault.telemetry.ingest(bytes, to);

    it('a study policy narrows the limits (study administrators, with a reason, audited); bad policies change nothing', async () => {
      const bad = await t.vault.series.setPolicy(CLI_ACTOR, f.studyId, {
        overrides: { heart_rate: { min: 200, max: 100 } },
        reason: 'Narrower limits',
      });
      expect(bad.ok ? null : bad.error.code).toBe('VALIDATION_FAILED');
      const noReason = await t.vault.series.setPolicy(CLI_ACTOR, f.studyId, { overrides: {} });
      expect(noReason.ok ? null : noReason.error.code).toBe('VALIDATION_FAILED');
      const policy = expectOk(
        await t.vault.series.setPolicy(CLI_ACTOR, f.studyId, {
          overrides: { heart_rate: { max: 100 } },
          reason: 'Protocol: resting adults only',
        }),
      );
      expect(policy.heart_rate).toMatchObject({ min: 25, max: 100 });
      expect(expectOk(await t.vault.series.policy(CLI_ACTOR, f.studyId)).heart_rate.max).toBe(100);
      const { client } = await enrolledDevice(t.vault, f.participantId);
      const fast = heartRate(clock.time, 10, 120).map((s) => ({ ...s, value: 120 + (s.at % 3) }));
      expect(expectOk(await send(client.upload(fast, clock.time))).sampleFlags.RANGE).toBe(10);
      const events = await t.vault.store.db
        .selectFrom('audit_events')
        .select('reason')
        .where('action', '=', 'telemetry.policy')
        .execute();
      expect(events.map((e) => e.reason)).toEqual(['Protocol: resting adults only']);
    });

    it('FDA DHT: the rate check spans uploads taken by another process (or after a restart)', async () => {
      const { client } = await enrolledDevice(t.vault, f.participantId, 'EdDSA', ['heart_rate']);
      expect(expectOk(await send(client.upload(heartRate(clock.time, 10, 72), clock.time))).quarantined).toBe(
        0,
      );
      // Another server process on the same store, with nothing in memory about this device.
      const other = expectOk(
        await openVault(t.location, { keyDir: t.keyDir, passphrase: undefined }, { clock }),
      );
      try {
        clock.time += 1_000;
        const jump = [{ metric: 'heart_rate' as const, at: clock.time, value: 190 }];
        const receipt = expectOk(await other.telemetry.ingest(client.upload(jump, clock.time), target()));
        expect(receipt.sampleFlags.RATE).toBe(1);
        // The reference stored for the next upload is sealed: no plain value in the device row.
        const row = await t.vault.store.db
          .selectFrom('devices')
          .select('last_samples')
          .where('participant_id', '=', f.participantId)
          .executeTakeFirstOrThrow();
        expect(row.last_samples).not.toBeNull();
        const sealed = Buffer.from(String(row.last_samples), 'base64'); // not a regex on base64: flaky
        for (const plain of ['heart', ',190,'])
          expect(sealed.includes(Buffer.from(plain)), plain).toBe(false);
      } finally {
        await other.close();
      }
    });

    it('sequence and clock: backdated uploads are CLOCK_SKEW, reordered ones flagged, forks quarantined, samples out of order refused', async () => {
      const { client } = await enrolledDevice(t.vault, f.participantId, 'ES256');
      const backdated = client.upload(heartRate(clock.time - 3_600_000, 10), clock.time - 3_600_000);
      expect(reasonOf(await send(backdated))).toBe('CLOCK_SKEW');
      const a = client.upload(heartRate(clock.time, 10), clock.time);
      clock.time += 10_000;
      const b = client.upload(heartRate(clock.time, 10, 75), clock.time);
      const later = expectOk(await send(b));
      expect(later.flags).toEqual(['CHAIN_GAP']);
      const earlier = expectOk(await send(a));
      expect(earlier.flags).toEqual(['OUT_OF_ORDER']);
      const fork = new DeviceClient(client.identity, {
        boot: client.boot,
        seq: client.seq,
        prev: new Uint8Array(32).fill(9),
      });
      clock.time += 10_000;
      const forked = expectOk(await send(fork.upload(heartRate(clock.time, 10, 80), clock.time)));
      expect(forked.flags).toEqual(['CHAIN_FORK']);
      expect(forked.quarantined).toBe(10);
      client.seq = fork.seq; // the fork took the client's next number
      const unordered = client.upload(
        [
          { metric: 'heart_rate', at: clock.time - 1000, value: 70 },
          { metric: 'heart_rate', at: clock.time - 2000, value: 71 },
        ],
        clock.time,
      );
      expect(reasonOf(await send(unordered))).toBe('SAMPLE_ORDER');
    });

    it('plausibility: spikes, flat lines, sampling too fast and re-signed copies are stored quarantined with their flags', async () => {
      const { client } = await enrolledDevice(t.vault, f.participantId);
      const spike = heartRate(clock.time, 60);
      spike[30] = { ...(spike[30] as (typeof spike)[number]), value: 310 };
      const spiked = expectOk(await send(client.upload(spike, clock.time)));
      expect(spiked.sampleFlags).toMatchObject({ RANGE: 1, RATE: 1 });
      clock.time += 200_000;
      const flat = heartRate(clock.time, 150).map((s) => ({ ...s, value: 72 }));
      expect(expectOk(await send(client.upload(flat, clock.time))).sampleFlags).toMatchObject({
        FLATLINE: 150,
      });
      clock.time += 200_000;
      const fast = heartRate(clock.time, 20).map((s, i) => ({ ...s, at: clock.time - 2000 + i * 100 }));
      expect(expectOk(await send(client.upload(fast, clock.time))).sampleFlags.PERIOD).toBeGreaterThan(0);
      // The same samples at the same offsets from a later send time: a re-signed copy.
      clock.time += 100_000;
      const copy = expectOk(
        await send(
          client.upload(
            spike.map((s) => ({ ...s, at: s.at + 500_000 })),
            clock.time,
          ),
        ),
      );
      expect(copy.flags).toContain('DUPLICATE_CONTENT');
      expect(copy.quarantined).toBe(60);
      const series = expectOk(
        await t.vault.series.series(CLI_ACTOR, f.participantId, {
          metric: 'heart_rate',
          from: clock.time - 1_000_000,
          to: clock.time,
        }),
      );
      expect(series.quarantined.find((q) => q.v === 310)?.flags).toEqual(['RANGE', 'RATE']);
      expect(series.points.length).toBeGreaterThan(50);
      expect(series.points.every(([, v]) => v < 250)).toBe(true);
    });

    it('21 CFR 11.10(e): every upload decision is one audit event; telemetry values are not in the database in plaintext', async () => {
      const { client } = await enrolledDevice(t.vault, f.participantId);
      const marker = 123.456789;
      const samples = heartRate(clock.time, 20).map((s, i) => (i === 7 ? { ...s, value: marker } : s));
      const before = await t.vault.store.db
        .selectFrom('audit_events')
        .select('seq')
        .where('action', '=', 'telemetry.upload')
        .execute();
      const bytes = client.upload(samples, clock.time);
      expectOk(await send(bytes));
      await send(bytes);
      await send(new Uint8Array([0xff]));
      const after = await t.vault.store.db
        .selectFrom('audit_events')
        .select(['outcome', 'details'])
        .where('action', '=', 'telemetry.upload')
        .orderBy('seq')
        .execute();
      expect(after.length - before.length).toBe(3);
      expect(
        after.slice(-3).map((e) => [e.outcome, (JSON.parse(e.details) as { reason?: string }).reason ?? '']),
      ).toEqual([
        ['success', ''],
        ['failure', 'REPLAY'],
        ['failure', 'CBOR_INVALID'],
      ]);
      const f64 = Buffer.alloc(8);
      f64.writeDoubleBE(marker);
      const f64le = Buffer.alloc(8);
      f64le.writeDoubleLE(marker);
      const stored =
        dialect === 'sqlite' && t.vault.store.file !== undefined
          ? Buffer.concat([readFileSync(t.vault.store.file), readFileSync(`${t.vault.store.file}-wal`)])
          : Buffer.from(pgDump(t.location), 'utf8');
      for (const needle of [f64, f64le, Buffer.from(String(marker)), Buffer.from('123.45')]) {
        expect(stored.includes(needle), needle.toString('hex')).toBe(false);
      }
      expect(createHash('sha256').update(bytes).digest('hex')).toMatch(/^[0-9a-f]{64}$/);
    });
  });
}
