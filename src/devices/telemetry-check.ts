import type { Kysely } from 'kysely';
import type { CheckContext, LedgerCheck, StoredEvent } from '../ledger/check.js';
import type { Database } from '../storage/schema.js';
import type { BlockRow, UploadRow } from './repo.js';
import { blocksDigest, uploadDigest } from './upload-digest.js';

/** What an accepted upload's audit event says was stored. */
interface Described {
  /** The columns every upload event names, as one comparable line. */
  readonly line: string;
  /** The digests of the whole stored upload and of its blocks (events since issue #17). */
  readonly upload: string | null;
  readonly blocks: string | null;
}

const line = (u: {
  device: unknown;
  study: unknown;
  participant: unknown;
  boot: unknown;
  seq: unknown;
  hash: string;
  samples: unknown;
  quarantined: unknown;
}): string =>
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

const text = (v: unknown) => (typeof v === 'string' ? v : null);

/** The accepted uploads the audit trail describes, by upload id (collected while events are replayed). */
function collectUpload(uploads: Map<string, Described>, row: StoredEvent): void {
  if (row.action !== 'telemetry.upload' || row.outcome !== 'success') return;
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(row.details) as Record<string, unknown>;
  } catch {
    return; // a damaged event is reported by the leaf check
  }
  if (typeof details.upload !== 'string') return;
  uploads.set(details.upload, {
    line: line({
      device: row.target,
      study: row.study_id,
      participant: row.participant_id,
      boot: details.boot,
      seq: details.seq,
      hash: String(details.messageHash),
      samples: details.samples,
      quarantined: details.quarantined,
    }),
    upload: text(details.uploadDigest),
    blocks: text(details.blocksDigest),
  });
}

const PAGE = 5000;

/**
 * Every stored upload against the event that accepted it, and every upload's sample blocks against it:
 * since issue #17 the event carries digests of the whole upload row and of its blocks (every column);
 * older events name the device, participant, counter, the SHA-256 of the signed message and the sample
 * and quarantine counts, which the blocks must add up to. A block added, dropped, moved or changed is
 * found here (and fails its tag when read) (21 CFR 11.10(e); FDA DHT guidance on data integrity).
 */
export function telemetryCheck(): LedgerCheck {
  const uploads = new Map<string, Described>();
  return {
    name: 'telemetry',
    tables: ['telemetry_uploads', 'telemetry_blocks'],
    collect: (event) => collectUpload(uploads, event),
    finish: (ctx) => verifyTelemetry(ctx, uploads),
  };
}

async function verifyTelemetry(ctx: CheckContext, trail: Map<string, Described>): Promise<void> {
  const stored = new Map<string, UploadRow>();
  let after = '';
  for (;;) {
    const page = await ctx.db
      .selectFrom('telemetry_uploads')
      .selectAll()
      .where('id', '>', after)
      .orderBy('id')
      .limit(PAGE)
      .execute();
    for (const upload of page) {
      stored.set(upload.id, upload);
      const described = trail.get(upload.id);
      const actual = line({
        device: upload.device_id,
        study: upload.study_id,
        participant: upload.participant_id,
        boot: upload.boot,
        seq: upload.seq,
        hash: Buffer.from(upload.message_hash).toString('hex'),
        samples: upload.sample_count,
        quarantined: upload.quarantined,
      });
      const where = { table: 'telemetry_uploads', row: `upload ${upload.id}` };
      if (described === undefined)
        ctx.find({ ...where, kind: 'inserted', detail: 'no audit event accepted it' });
      else if (
        described.line !== actual ||
        (described.upload !== null && described.upload !== uploadDigest(upload))
      )
        ctx.find({ ...where, kind: 'modified', detail: 'differs from the upload its audit event accepted' });
    }
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined) break;
    after = last.id;
  }
  for (const id of trail.keys()) {
    if (!stored.has(id))
      ctx.find({
        table: 'telemetry_uploads',
        row: `upload ${id}`,
        kind: 'deleted',
        detail: 'its audit event remains',
      });
  }
  const seen = new Set<string>();
  for await (const group of blocksByUpload(ctx.db)) {
    const id = group[0]?.upload_id ?? '';
    seen.add(id);
    const where = { table: 'telemetry_blocks', row: `blocks of upload ${id}` };
    const upload = stored.get(id);
    if (upload === undefined || group.some((b) => b.participant_id !== upload.participant_id)) {
      ctx.find({ ...where, kind: 'inserted', detail: 'no stored upload holds them' });
      continue;
    }
    const digest = trail.get(id)?.blocks ?? null;
    const samples = group.reduce((n, b) => n + Number(b.sample_count), 0);
    const quarantined = group.reduce((n, b) => n + Number(b.quarantined), 0);
    if (digest !== null && digest !== blocksDigest(group))
      ctx.find({ ...where, kind: 'modified', detail: 'differ from the blocks its audit event accepted' });
    else if (samples !== Number(upload.sample_count) || quarantined !== Number(upload.quarantined))
      ctx.find({
        ...where,
        kind: 'modified',
        detail: `they hold ${samples} samples (${quarantined} quarantined); the upload ${upload.sample_count} (${upload.quarantined})`,
      });
  }
  for (const [id, upload] of stored) {
    if (!seen.has(id) && Number(upload.sample_count) > 0)
      ctx.find({
        table: 'telemetry_blocks',
        row: `blocks of upload ${id}`,
        kind: 'deleted',
        detail: 'the upload has none',
      });
  }
  ctx.count('device uploads', stored.size);
}

/** Every stored block, grouped by upload (a group may span pages). */
async function* blocksByUpload(db: Kysely<Database>): AsyncGenerator<BlockRow[]> {
  let after = { upload: '', metric: -1 };
  let group: BlockRow[] = [];
  for (;;) {
    const page = await db
      .selectFrom('telemetry_blocks')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('upload_id', '>', after.upload),
          eb.and([eb('upload_id', '=', after.upload), eb('metric', '>', after.metric)]),
        ]),
      )
      .orderBy('upload_id')
      .orderBy('metric')
      .limit(PAGE)
      .execute();
    for (const block of page) {
      if (group.length > 0 && group[0]?.upload_id !== block.upload_id) {
        yield group;
        group = [];
      }
      group.push(block);
    }
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined) break;
    after = { upload: last.upload_id, metric: Number(last.metric) };
  }
  if (group.length > 0) yield group;
}
