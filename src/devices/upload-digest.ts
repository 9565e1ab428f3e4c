import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type { BlockRow, UploadRow } from './repo.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const sha256 = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');

/**
 * The digests of an accepted upload row and of its sample blocks (every column; PostgreSQL bigints as
 * numbers, bytes as base64), carried by the upload's audit event: the ledger then commits to everything
 * stored for the upload, so verify finds any column changed and a block added, dropped, moved or swapped
 * (21 CFR 11.10(e); issue #17). SHA-256 over a MAC and ciphertext reveals nothing to an auditor.
 */
export function uploadDigest(upload: UploadRow): string {
  return sha256({
    id: upload.id,
    device: upload.device_id,
    study: upload.study_id,
    participant: upload.participant_id,
    boot: Number(upload.boot),
    seq: Number(upload.seq),
    messageHash: b64(upload.message_hash),
    contentMac: b64(upload.content_mac),
    receivedAt: upload.received_at,
    sentMs: Number(upload.sent_ms),
    samples: Number(upload.sample_count),
    quarantined: Number(upload.quarantined),
    flags: upload.flags,
  });
}

/** The digest of an upload's blocks, in metric order (one block per metric and upload). */
export function blocksDigest(blocks: readonly BlockRow[]): string {
  return sha256(
    blocks
      .map((b) => ({
        upload: b.upload_id,
        metric: Number(b.metric),
        participant: b.participant_id,
        start: Number(b.start_ms),
        end: Number(b.end_ms),
        samples: Number(b.sample_count),
        quarantined: Number(b.quarantined),
        sealed: b.sealed,
      }))
      .sort((a, b) => a.metric - b.metric || (a.sealed < b.sealed ? -1 : 1)),
  );
}
