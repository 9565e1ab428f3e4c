import { trustRows } from '../authz/row-tamper.js';
import { ok, type Result } from '../core/result.js';
import type { VaultDeps } from '../vault/deps.js';
import { EXPORTS } from './export-bindings.js';
import type { ExportListItem } from './export-view.js';
import type { WrittenFile } from './output.js';
import * as repo from './repo.js';

/** The exports of a study (what was made, for whom, when), newest last; forged rows are refused. */
export async function exportList(deps: VaultDeps, studyId: string): Promise<Result<ExportListItem[]>> {
  const trusted = await trustRows(deps, EXPORTS, await repo.listExports(deps.db));
  if (!trusted.ok) return trusted;
  const rows = trusted.value.filter((r) => r.study_id === studyId);
  return ok(
    rows.map((r) => ({
      exportId: r.id,
      profile: r.profile,
      format: r.format,
      recipient: r.recipient,
      purpose: r.purpose,
      actor: r.actor,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      files: (JSON.parse(r.files) as WrittenFile[]).map((f) => ({
        name: f.name,
        sha256: f.sha256,
        bytes: f.bytes,
      })),
    })),
  );
}
