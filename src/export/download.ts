import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Authorizer } from '../authz/authorizer.js';
import { trustRow } from '../authz/row-tamper.js';
import { sameRowForChange } from '../authz/tamper-in-tx.js';
import { type Actor, actorLabel } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import { EXPORTS } from './export-bindings.js';
import type { WrittenFile } from './output.js';
import * as repo from './repo.js';

type StoredFile = WrittenFile & { downloaded: boolean };

export interface Download {
  readonly name: string;
  readonly mediaType: string;
  readonly sha256: string;
  readonly content: Buffer;
}

const GONE = appError(
  'EXPORT_GONE',
  'This export file was downloaded already or its download window passed.',
);

/**
 * The one download of each file of an API export, by the person who made it, within its window
 * (issue #16; HIPAA 164.312(e)(1)): marked downloaded by compare-and-set in the transaction of its
 * audit event, then removed from the spool; an expired export's files are removed when asked for.
 */
export async function downloadOnce(
  deps: VaultDeps,
  authorizer: Authorizer,
  spoolDir: string,
  actor: Actor,
  exportId: string,
  name: string,
): Promise<Result<Download>> {
  // A download flag reset in SQL is refused, never a second download (issue #17).
  const found = await trustRow(deps, EXPORTS, await repo.findExport(deps.db, exportId));
  if (!found.ok) return found;
  const row = found.value;
  // Someone else's export reads as absent (ASVS 8.2.2): only its maker downloads it.
  if (row === undefined || row.actor !== actorLabel(actor))
    return err(appError('NOT_FOUND', 'No such export.'));
  const allowed = await authorizer.authorize(actor, 'export.run', {
    studyId: row.study_id,
    resource: 'study',
  });
  if (!allowed.ok) return allowed;
  const files = JSON.parse(row.files) as StoredFile[];
  const file = files.find((f) => f.name === name);
  if (file === undefined) return err(appError('NOT_FOUND', 'No such file in the export.'));
  const path = join(spoolDir, row.id, file.name);
  const now = deps.clock.now().toISOString();
  if (row.expires_at <= now) {
    rmSync(join(spoolDir, row.id), { recursive: true, force: true });
    return err(GONE);
  }
  if (file.downloaded) return err(GONE);
  const content = readFileSync(path);
  const next = JSON.stringify(files.map((f) => (f.name === name ? { ...f, downloaded: true } : f)));
  const marked = await transact(deps.db, async (trx) => {
    // The export row this event seals is the one checked above, unchanged (review s13: its actor,
    // recipient or expiry changed in SQL during the file's read was sealed). Changed by a download
    // meanwhile: that file is gone.
    const same = await sameRowForChange(deps, trx, EXPORTS, row);
    if (!same.ok) return same.error.code === 'CONFLICT' ? err(GONE) : same;
    const done = await trx
      .updateTable('exports')
      .set({ files: next, downloaded_at: files.every((f) => f.downloaded || f.name === name) ? now : null })
      .where('id', '=', row.id)
      .where('files', '=', row.files)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) return err(GONE);
    await appendAuditEvent(trx, deps, {
      actor,
      action: 'export.download',
      studyId: row.study_id,
      target: row.id,
      details: { file: file.name, sha256: file.sha256, recipient: row.recipient },
      seals: [[EXPORTS, [row.id]]],
    });
    return ok(null);
  });
  if (!marked.ok) return marked;
  rmSync(path, { force: true });
  return ok({ name: file.name, mediaType: file.mediaType, sha256: file.sha256, content });
}
