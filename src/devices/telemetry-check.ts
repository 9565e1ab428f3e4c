import type { CheckContext, Finding, LedgerCheck } from '../ledger/check.js';
import type { AuditEventTable } from '../storage/schema.js';

/** What an accepted upload's audit event says was stored, as one comparable line. */
type Described = string;

const describe = (u: {
  device: unknown;
  study: unknown;
  participant: unknown;
  boot: unknown;
  seq: unknown;
  hash: string;
  samples: unknown;
  quarantined: unknown;
}): Described =>
  [
    u.device,
    u.study,
    u.participant,
    Number(u.boot),
    Number(u.seq),
    u.hash,
    Number(u.samples),
    Number(u.quarantined),
  ].join('|');

/** The accepted uploads the audit trail describes, by upload id (collected while events are replayed). */
class TelemetryTrail {
  readonly uploads = new Map<string, Described>();

  collect(row: AuditEventTable): void {
    if (row.action !== 'telemetry.upload' || row.outcome !== 'success') return;
    let details: Record<string, unknown>;
    try {
      details = JSON.parse(row.details) as Record<string, unknown>;
    } catch {
      return; // a damaged event is reported by the leaf check
    }
    if (typeof details.upload !== 'string') return;
    this.uploads.set(
      details.upload,
      describe({
        device: row.target,
        study: row.study_id,
        participant: row.participant_id,
        boot: details.boot,
        seq: details.seq,
        hash: String(details.messageHash),
        samples: details.samples,
        quarantined: details.quarantined,
      }),
    );
  }
}

const PAGE = 5000;

/**
 * Every stored upload against the event that accepted it (device, participant, counter, the SHA-256 of
 * the signed message, sample and quarantine counts), and every sample block against its upload: a
 * block added, dropped or moved shows in the counts (21 CFR 11.10(e); FDA DHT guidance on data
 * integrity). A block's content is sealed to its upload and metric, so a changed or moved block also
 * fails its tag when read.
 */
export function telemetryCheck(): LedgerCheck {
  const trail = new TelemetryTrail();
  return {
    name: 'telemetry',
    tables: ['telemetry_uploads', 'telemetry_blocks'],
    collect: (event) => trail.collect(event),
    finish: (ctx) => verifyTelemetry(ctx, trail),
  };
}

async function verifyTelemetry(ctx: CheckContext, trail: TelemetryTrail): Promise<void> {
  const { db } = ctx;
  const find = (f: Finding) => ctx.find(f);
  const stored = new Map<string, { participant: string; samples: number; quarantined: number }>();
  let after = '';
  for (;;) {
    const page = await db
      .selectFrom('telemetry_uploads')
      .selectAll()
      .where('id', '>', after)
      .orderBy('id')
      .limit(PAGE)
      .execute();
    for (const upload of page) {
      const where = `upload ${upload.id}`;
      stored.set(upload.id, {
        participant: upload.participant_id,
        samples: Number(upload.sample_count),
        quarantined: Number(upload.quarantined),
      });
      const described = trail.uploads.get(upload.id);
      const actual = describe({
        device: upload.device_id,
        study: upload.study_id,
        participant: upload.participant_id,
        boot: upload.boot,
        seq: upload.seq,
        hash: Buffer.from(upload.message_hash).toString('hex'),
        samples: upload.sample_count,
        quarantined: upload.quarantined,
      });
      if (described === undefined) {
        find({
          table: 'telemetry_uploads',
          row: where,
          kind: 'inserted',
          detail: 'no audit event accepted it',
        });
      } else if (described !== actual) {
        find({
          table: 'telemetry_uploads',
          row: where,
          kind: 'modified',
          detail: 'differs from the upload its audit event accepted',
        });
      }
    }
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined) break;
    after = last.id;
  }
  for (const id of trail.uploads.keys()) {
    if (!stored.has(id)) {
      find({
        table: 'telemetry_uploads',
        row: `upload ${id}`,
        kind: 'deleted',
        detail: 'its audit event remains',
      });
    }
  }
  const sums = await db
    .selectFrom('telemetry_blocks')
    .select((eb) => [
      'upload_id',
      'participant_id',
      eb.fn.sum<number>('sample_count').as('samples'),
      eb.fn.sum<number>('quarantined').as('quarantined'),
    ])
    .groupBy(['upload_id', 'participant_id'])
    .execute();
  const seen = new Set<string>();
  for (const sum of sums) {
    const where = `blocks of upload ${sum.upload_id}`;
    const upload = stored.get(sum.upload_id);
    if (upload === undefined || upload.participant !== sum.participant_id || seen.has(sum.upload_id)) {
      find({
        table: 'telemetry_blocks',
        row: where,
        kind: 'inserted',
        detail: 'no stored upload holds them',
      });
      continue;
    }
    seen.add(sum.upload_id);
    if (Number(sum.samples) !== upload.samples || Number(sum.quarantined) !== upload.quarantined) {
      find({
        table: 'telemetry_blocks',
        row: where,
        kind: 'modified',
        detail: `they hold ${Number(sum.samples)} samples (${Number(sum.quarantined)} quarantined); the upload ${upload.samples} (${upload.quarantined})`,
      });
    }
  }
  for (const [id, upload] of stored) {
    if (!seen.has(id) && upload.samples > 0) {
      find({
        table: 'telemetry_blocks',
        row: `blocks of upload ${id}`,
        kind: 'deleted',
        detail: 'the upload has none',
      });
    }
  }
  ctx.count('device uploads', stored.size);
}
