import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, SignatureTable } from '../storage/schema.js';

export type SignatureRow = Selectable<SignatureTable>;

export async function insertSignature(db: Kysely<Database>, row: Insertable<SignatureTable>): Promise<void> {
  await db.insertInto('signatures').values(row).execute();
}

/** The record's signatures, oldest first (the caller checks each row's seal before using it). */
export async function listSignatures(db: Kysely<Database>, recordId: string): Promise<SignatureRow[]> {
  return db
    .selectFrom('signatures')
    .selectAll()
    .where('record_id', '=', recordId)
    .orderBy('signed_at')
    .execute();
}
