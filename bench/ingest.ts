import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { initVault } from '../src/app/vault.js';
import { CLI_ACTOR } from '../src/core/actor.js';
import { expectOk } from '../src/core/result.js';
import { DeviceClient } from '../src/devices/device-client.js';
import type { Sample } from '../src/devices/telemetry-message.js';
import type { Dialect } from '../src/storage/dialect.js';
import { benchDialects, benchPlace } from './places.js';

const SAMPLES_PER_UPLOAD = 1000;
const DEVICES = 20;
const UPLOADS = Number(process.env.TRIALVAULT_BENCH_INGEST_UPLOADS ?? 2000);
/** Uploads in flight at once, as from many devices through one server. */
const IN_FLIGHT = 64;

/** 500 s of heart rate and SpO2 at 1 Hz: 1,000 samples, plausible, never a copy of another upload. */
function samples(end: number, k: number): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < SAMPLES_PER_UPLOAD / 2; i++) {
    const at = end - (SAMPLES_PER_UPLOAD / 2 - 1 - i) * 1000;
    out.push({ metric: 'heart_rate', at, value: 70 + ((i + k) % 23) });
    out.push({ metric: 'spo2', at, value: 95 + ((i * 7 + k) % 5) });
  }
  return out.sort((a, b) => a.at - b.at);
}

async function benchDialect(dialect: Dialect) {
  const place = await benchPlace(dialect);
  const vault = expectOk(
    await initVault(place.location, { keyDir: place.keyDir, passphrase: undefined }, CLI_ACTOR),
  );
  try {
    const study = expectOk(
      await vault.studies.createStudy(CLI_ACTOR, { protocolId: 'BENCH-INGEST', title: 'Ingest' }),
    );
    expectOk(await vault.studies.addSite(CLI_ACTOR, study.id, { code: 'S01', name: 'Site' }));
    const clients: DeviceClient[] = [];
    for (let d = 0; d < DEVICES; d++) {
      const participant = expectOk(await vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01' }));
      const { enrollmentCode } = expectOk(
        await vault.devices.register(CLI_ACTOR, participant.id, {
          model: 'Bench watch',
          serial: `SN-${d}`,
          firmware: '1.0',
          metrics: ['heart_rate', 'spo2'],
        }),
      );
      const privateKey = DeviceClient.generateKey('EdDSA');
      const enrollment = expectOk(
        await vault.devices.enroll({
          code: enrollmentCode,
          alg: 'EdDSA',
          publicKey: DeviceClient.publicKey('EdDSA', privateKey),
        }),
      );
      clients.push(new DeviceClient({ ...enrollment, alg: 'EdDSA', privateKey }));
    }
    // Signing is the devices' work: done before the clock starts.
    const now = Date.now();
    const uploads = Array.from({ length: UPLOADS }, (_, k) => {
      const client = clients[k % DEVICES] as DeviceClient;
      // Offsets and values shift with k: no two uploads carry the same content (none is quarantined).
      const end = now - (k % 100) * 1000;
      return {
        bytes: client.upload(samples(end, k), now),
        target: { studyId: client.identity.studyId, participantId: client.identity.participantId },
      };
    });
    const bytes = uploads.reduce((n, u) => n + u.bytes.length, 0);

    let accepted = 0;
    let quarantined = 0;
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < uploads.length) {
          const u = uploads[next++];
          if (u === undefined) break;
          const r = await vault.telemetry.ingest(u.bytes, u.target);
          if (r.ok) {
            accepted++;
            quarantined += r.value.quarantined;
          } else throw new Error(`refused: ${r.error.message}`);
        }
      }),
    );
    const ms = performance.now() - start;

    // Baseline, same run: the same uploads stored as opaque bytes, one row each, same batching. After
    // the uploads: a table added while the vault is open makes it refuse changes (storage/schema-guard.ts).
    await sql`create table bench_raw (id integer primary key, body ${sql.raw(dialect === 'postgres' ? 'bytea' : 'blob')})`.execute(
      vault.store.db,
    );
    const rawStart = performance.now();
    for (let i = 0; i < UPLOADS; i += IN_FLIGHT) {
      const rows = uploads.slice(i, i + IN_FLIGHT).map((u, j) => ({ id: i + j, body: Buffer.from(u.bytes) }));
      await vault.store.db
        .transaction()
        .execute((trx) =>
          sql`insert into bench_raw (id, body) values ${sql.join(rows.map((r) => sql`(${r.id}, ${r.body})`))}`.execute(
            trx,
          ),
        );
    }
    const rawMs = performance.now() - rawStart;
    const samplesPerSecond = Math.round((accepted * SAMPLES_PER_UPLOAD) / (ms / 1000));
    const rawSamplesPerSecond = Math.round((UPLOADS * SAMPLES_PER_UPLOAD) / (rawMs / 1000));
    return {
      uploads: accepted,
      quarantinedSamples: quarantined,
      samples: accepted * SAMPLES_PER_UPLOAD,
      megabytes: Number((bytes / 1e6).toFixed(1)),
      seconds: Number((ms / 1000).toFixed(2)),
      verifiedAndStoredSamplesPerSecond: samplesPerSecond,
      uploadsPerSecond: Math.round(accepted / (ms / 1000)),
      baselineRawInsertSamplesPerSecond: rawSamplesPerSecond,
      ratioToRawInsert: Number((samplesPerSecond / rawSamplesPerSecond).toFixed(3)),
    };
  } finally {
    await vault.close();
    await place.cleanup();
  }
}

/**
 * Verified and stored samples per second: 1,000-sample Ed25519-signed uploads from 20 devices, 64 in
 * flight, through every check (strict CBOR, COSE, device, signature, replay window, chain, clock,
 * plausibility, duplicate content), sealed per metric under the participant's key, one audit event each.
 * Baseline: the same bytes inserted as opaque rows in the same batches, same store, same run.
 */
export async function benchIngest() {
  const { dialects, skipped } = await benchDialects();
  const results: Record<string, unknown> = {};
  for (const dialect of dialects) results[dialect] = await benchDialect(dialect);
  return {
    bench: 'ingest',
    description: `${UPLOADS} uploads x ${SAMPLES_PER_UPLOAD} samples (heart rate + SpO2), ${DEVICES} devices, ${IN_FLIGHT} in flight, group commit`,
    target: { sqliteSamplesPerSecond: 1_000_000 },
    ...results,
    skipped,
  };
}
