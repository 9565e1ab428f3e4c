import type { Kysely, Selectable, Updateable } from 'kysely';
import { noteLockedRow } from '../ledger/row-seal-store.js';
import { forgetReadTick } from '../storage/read-tick.js';
import type { Database, DeviceTable, TelemetryBlockTable, TelemetryUploadTable } from '../storage/schema.js';
import { DEVICES } from './devices-bindings.js';

export type DeviceRow = Selectable<DeviceTable>;
export type UploadRow = Selectable<TelemetryUploadTable>;
export type BlockRow = Selectable<TelemetryBlockTable>;
export type DeviceWithContext = DeviceRow & { site_id: string; participant_status: string };

/** Rows per multi-row insert: blocks have 8 columns, far under SQLite's parameter bound. */
const CHUNK = 500;

export async function insertDevice(db: Kysely<Database>, row: DeviceRow): Promise<void> {
  await db.insertInto('devices').values(row).execute();
}

export const findDevice = (db: Kysely<Database>, id: string): Promise<DeviceWithContext | undefined> =>
  db
    .selectFrom('devices')
    .innerJoin('participants', 'participants.id', 'devices.participant_id')
    .selectAll('devices')
    .select(['participants.site_id', 'participants.status as participant_status'])
    .where('devices.id', '=', id)
    .executeTakeFirst();

export const findByEnrollment = (db: Kysely<Database>, hash: Buffer) =>
  db.selectFrom('devices').selectAll().where('enrollment_hash', '=', hash).executeTakeFirst();

export async function updateDevice(
  db: Kysely<Database>,
  id: string,
  changes: Updateable<DeviceTable>,
): Promise<void> {
  await db.updateTable('devices').set(changes).where('id', '=', id).execute();
}

/**
 * The device row, locked for the rest of the transaction (PostgreSQL takes the row lock on UPDATE;
 * SQLite has one writer): two uploads of one device are decided one after the other.
 */
export async function lockDevice(db: Kysely<Database>, id: string) {
  const row = await db
    .updateTable('devices')
    .set((eb) => ({ top_seq: eb.ref('top_seq') }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  // A locked read answers the latest version: checked against the mark as it is now (read-tick.ts),
  // and the base of the row the upload leaves (ledger/predicted-row.ts).
  if (row !== undefined) {
    forgetReadTick(row);
    noteLockedRow(DEVICES, [id], row);
  }
  return row;
}

export const listForParticipant = (db: Kysely<Database>, participantId: string) =>
  db
    .selectFrom('devices')
    .selectAll()
    .where('participant_id', '=', participantId)
    .orderBy('created_at')
    .execute();

export async function contentSeen(db: Kysely<Database>, deviceId: string, mac: Buffer): Promise<boolean> {
  const row = await db
    .selectFrom('telemetry_uploads')
    .select('id')
    .where('device_id', '=', deviceId)
    .where('content_mac', '=', mac)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertUploads(db: Kysely<Database>, rows: UploadRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK / 2)
    await db
      .insertInto('telemetry_uploads')
      .values(rows.slice(i, i + CHUNK / 2))
      .execute();
}

export async function insertBlocks(db: Kysely<Database>, rows: BlockRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK)
    await db
      .insertInto('telemetry_blocks')
      .values(rows.slice(i, i + CHUNK))
      .execute();
}

/** Blocks of one metric overlapping [fromMs, toMs], oldest first (the series index). */
export const blocksInRange = (
  db: Kysely<Database>,
  participantId: string,
  metric: number,
  fromMs: number,
  toMs: number,
) =>
  db
    .selectFrom('telemetry_blocks')
    .selectAll()
    .where('participant_id', '=', participantId)
    .where('metric', '=', metric)
    .where('start_ms', '<=', toMs)
    .where('end_ms', '>=', fromMs)
    .orderBy('start_ms')
    .execute();

export const findPolicy = (db: Kysely<Database>, studyId: string) =>
  db.selectFrom('telemetry_policies').selectAll().where('study_id', '=', studyId).executeTakeFirst();

export async function savePolicy(db: Kysely<Database>, studyId: string, policy: string, at: string) {
  await db
    .insertInto('telemetry_policies')
    .values({ study_id: studyId, policy, updated_at: at })
    .onConflict((oc) => oc.column('study_id').doUpdateSet({ policy, updated_at: at }))
    .execute();
}
