import { trustRow } from '../authz/row-tamper.js';
import type { Actor } from '../core/actor.js';
import { ok, type Result } from '../core/result.js';
import { randomKey } from '../crypto/aead.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import { EXPORT_SETTINGS } from './export-bindings.js';
import { DEFAULT_K } from './k-anonymity.js';
import * as repo from './repo.js';

const keyContext = (studyId: string) => `export/${studyId}`;

/**
 * The study's export key (date shifts, per-export secrets) and k threshold. The key is random, made on
 * first use, and stored only sealed under the master key, so a copy of the database alone cannot undo
 * a date shift or recompute a pseudonym (HIPAA 164.514(c)(2)). The row is sealed by the audited event
 * that made it and checked on every read (issue #17): a k lowered in SQL is refused, never used.
 */
export async function exportSettings(
  deps: VaultDeps,
  actor: Actor,
  studyId: string,
  now: string,
): Promise<Result<{ key: Buffer; k: number }>> {
  let found = await trustRow(deps, EXPORT_SETTINGS, await repo.findSettings(deps.db, studyId));
  if (!found.ok) return found;
  if (found.value === undefined) {
    const sealed = await deps.keyring.sealSecret(randomKey(), keyContext(studyId));
    await transact(deps.db, async (trx) => {
      const made = await repo.insertSettings(trx, {
        study_id: studyId,
        k_threshold: DEFAULT_K,
        key_sealed: sealed,
        created_at: now,
      });
      // Made by a concurrent first use: that one's event sealed it.
      if (!made) return ok(null);
      await appendAuditEvent(trx, deps, {
        actor,
        action: 'export.settings',
        studyId,
        details: { k: DEFAULT_K, created: true },
        seals: [[EXPORT_SETTINGS, [studyId]]],
      });
      return ok(null);
    });
    found = await trustRow(deps, EXPORT_SETTINGS, await repo.findSettings(deps.db, studyId));
    if (!found.ok) return found;
  }
  const row = found.value;
  if (row === undefined) throw new Error('export settings were not stored');
  const key = await deps.keyring.openSecret(row.key_sealed, keyContext(studyId));
  if (key === null) throw new Error("the study's export key failed its integrity check");
  return ok({ key, k: Number(row.k_threshold) });
}
