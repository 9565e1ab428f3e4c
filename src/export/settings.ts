import type { Kysely } from 'kysely';
import { randomKey } from '../crypto/aead.js';
import type { Database } from '../storage/schema.js';
import type { Keyring } from '../vault/keyring.js';
import { DEFAULT_K } from './k-anonymity.js';
import * as repo from './repo.js';

const keyContext = (studyId: string) => `export/${studyId}`;

/**
 * The study's export key (date shifts, per-export secrets) and k threshold. The key is random, made on
 * first use, and stored only sealed under the master key, so a copy of the database alone cannot undo
 * a date shift or recompute a pseudonym (HIPAA 164.514(c)(2)).
 */
export async function exportSettings(
  db: Kysely<Database>,
  keyring: Keyring,
  studyId: string,
  now: string,
): Promise<{ key: Buffer; k: number }> {
  let row = await repo.findSettings(db, studyId);
  if (row === undefined) {
    const key = randomKey();
    await repo.insertSettings(db, {
      study_id: studyId,
      k_threshold: DEFAULT_K,
      key_sealed: await keyring.sealSecret(key, keyContext(studyId)),
      created_at: now,
    });
    row = await repo.findSettings(db, studyId);
  }
  if (row === undefined) throw new Error('export settings were not stored');
  const key = await keyring.openSecret(row.key_sealed, keyContext(studyId));
  if (key === null) throw new Error("the study's export key failed its integrity check");
  return { key, k: Number(row.k_threshold) };
}
