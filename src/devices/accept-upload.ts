import { createHmac } from 'node:crypto';
import { newId } from '../core/ids.js';
import { sealField } from '../crypto/field-envelope.js';
import type { Tx } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import type { ParticipantKey } from '../vault/keyring.js';
import { advance, type DeviceState } from './device-state.js';
import type { LastSamples } from './last-samples.js';
import { METRICS, type MetricName, type TelemetryPolicy } from './metrics.js';
import { checkSeries, flagNames, SAMPLE_FLAGS, type SampleFlag } from './plausibility.js';
import * as repo from './repo.js';
import { blockContext, encodeBlock } from './sample-block.js';
import type { Checked } from './upload-check.js';
import type { Decision, UploadFlag } from './upload-decision.js';
import { blocksDigest, uploadDigest } from './upload-digest.js';

/** The rows a batch of accepted uploads stores, in one insert each at the end of the batch. */
export interface AcceptedRows {
  readonly uploads: repo.UploadRow[];
  readonly blocks: repo.BlockRow[];
}

/**
 * The accept pipeline of one checked upload (its signature and device already checked, upload-check.ts):
 * the device must be active, the sequence advance (device-state.ts), the samples ordered; implausible
 * samples are flagged and stored quarantined, never dropped; a re-signed copy of earlier content is
 * quarantined whole. The rows go to `rows` and the device's state in `entry` advances; the caller stores
 * both and the audit event in one transaction (21 CFR 11.10(e)).
 */
export async function acceptUpload(
  deps: VaultDeps,
  trx: Tx,
  item: Checked,
  entry: DeviceEntry,
  policy: TelemetryPolicy,
  now: Date,
  rows: AcceptedRows,
): Promise<Decision> {
  const { uploads, blocks } = rows;
  const { device, message } = item;
  if (entry.row.status !== 'active')
    return { ok: false, reason: 'DEVICE_SUSPENDED', message: 'the device is no longer active', device };
  const step = advance(entry.state, message, item.messageHash, now.getTime());
  if (!step.ok) return { ok: false, reason: step.reason, message: step.detail, device };
  const flags: UploadFlag[] = [...step.flags];
  // The participant's key was read with the device row (once per device and batch).
  const key = entry.key;
  if (key === null)
    return { ok: false, reason: 'DEVICE_REVOKED', message: "the participant's key is gone", device };
  const mac = createHmac('sha256', deps.keyring.blindIndexKey(device.studyId)).update('telemetry-content/v1');
  const series = message.series.map((s) => {
    const times = s.offsets.map((o) => message.sent + o);
    // Metric, offsets and values as numbers: the content, whatever the sequence number or send time.
    const content = new Float64Array(2 + 2 * s.offsets.length);
    content[0] = METRICS[s.metric].code;
    content[1] = s.offsets.length;
    content.set(s.offsets, 2);
    content.set(s.values, 2 + s.offsets.length);
    mac.update(new Uint8Array(content.buffer));
    return { ...s, times };
  });
  const checkedSeries: {
    metric: MetricName;
    times: number[];
    values: number[];
    flags: Uint8Array;
    run: number;
  }[] = [];
  for (const s of series) {
    const checked = checkSeries(s.times, s.values, policy[s.metric], entry.last.get(s.metric));
    if (checked === null)
      return {
        ok: false,
        reason: 'SAMPLE_ORDER',
        message: `${s.metric} sample times are not strictly increasing`,
        device,
      };
    checkedSeries.push({
      metric: s.metric,
      times: s.times,
      values: s.values,
      flags: checked.flags,
      run: checked.run,
    });
  }
  const contentMac = mac.digest();
  const macKey = contentMac.toString('base64');
  // The same samples under a new sequence number: a re-signed copy, quarantined as a whole.
  if (entry.seen.has(macKey) || (await repo.contentSeen(trx, device.id, contentMac)))
    flags.push('DUPLICATE_CONTENT');
  entry.seen.add(macKey);
  const whole =
    (flags.includes('DUPLICATE_CONTENT') ? SAMPLE_FLAGS.DUPLICATE_CONTENT : 0) |
    (flags.includes('CHAIN_FORK') ? SAMPLE_FLAGS.CHAIN_FORK : 0);
  const uploadId = newId();
  const firstBlock = blocks.length;
  const counts: Partial<Record<SampleFlag, number>> = {};
  let quarantined = 0;
  for (const s of checkedSeries) {
    let q = 0;
    let lastGood = -1;
    for (let i = 0; i < s.flags.length; i++) {
      const bits = (s.flags[i] as number) | whole;
      s.flags[i] = bits;
      // The reference for the next upload's rate and flat-line checks: a value that is not itself a
      // jump (a flat line continues through flagged flat samples).
      if ((bits & (SAMPLE_FLAGS.RANGE | SAMPLE_FLAGS.RATE)) === 0 && whole === 0) lastGood = i;
      if (bits === 0) continue;
      q++;
      for (const name of flagNames(bits)) counts[name] = (counts[name] ?? 0) + 1;
    }
    quarantined += q;
    if (lastGood >= 0)
      entry.last.set(s.metric, {
        at: s.times[lastGood] as number,
        value: s.values[lastGood] as number,
        run: lastGood === s.times.length - 1 ? s.run : 1,
      });
    const code = METRICS[s.metric].code;
    blocks.push({
      upload_id: uploadId,
      metric: code,
      participant_id: device.participantId,
      start_ms: s.times[0] as number,
      end_ms: s.times.at(-1) as number,
      sample_count: s.times.length,
      quarantined: q,
      sealed: sealField(
        key.key,
        key.version,
        blockContext(device.studyId, device.participantId, uploadId, code),
        encodeBlock(s),
      ).toString('base64'),
    });
  }
  const upload: repo.UploadRow = {
    id: uploadId,
    device_id: device.id,
    study_id: device.studyId,
    participant_id: device.participantId,
    boot: message.boot,
    seq: message.seq,
    message_hash: item.messageHash,
    content_mac: contentMac,
    received_at: now.toISOString(),
    sent_ms: message.sent,
    sample_count: message.sampleCount,
    quarantined,
    flags: JSON.stringify(flags),
  };
  uploads.push(upload);
  entry.state = step.state;
  entry.row = {
    ...entry.row,
    last_upload_at: now.toISOString(),
    uploads_accepted: Number(entry.row.uploads_accepted) + 1,
    samples_quarantined: Number(entry.row.samples_quarantined) + quarantined,
    last_flags: JSON.stringify([...flags, ...Object.keys(counts)]),
  };
  return {
    ok: true,
    device,
    stored: { upload: uploadDigest(upload), blocks: blocksDigest(blocks.slice(firstBlock)) },
    receipt: {
      uploadId,
      deviceId: device.id,
      boot: message.boot,
      seq: message.seq,
      messageHash: item.messageHash.toString('hex'),
      samples: message.sampleCount,
      quarantined,
      flags,
      sampleFlags: counts,
    },
  };
}

/** A device's state while a batch is decided: locked row, sequence state, and plausibility references. */
export interface DeviceEntry {
  row: repo.DeviceRow;
  state: DeviceState;
  seen: Set<string>;
  key: ParticipantKey | null;
  last: LastSamples;
}

export function stateOf(row: repo.DeviceRow): DeviceState {
  return {
    boot: row.boot === null ? null : Number(row.boot),
    top: Number(row.top_seq),
    window: BigInt(row.seq_window),
    topHash: row.top_hash,
    offsetMs: row.offset_ms === null ? null : Number(row.offset_ms),
  };
}
