import { readFileSync, statSync } from 'node:fs';
import type { Vault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { MAX_ODM_IMPORT_CHARS } from '../export/odm-import.js';
import type { CommandContext } from './main.js';

/** `trialvault import --study S --file EXPORT-odm.xml --reason R`: the ODM round trip (docs/export.md). */
export async function importOdmFile(
  context: CommandContext,
  vault: Vault,
  studyId: string,
  opts: { file: string; reason: string; site?: string; json?: boolean },
): Promise<void> {
  const json = opts.json === true;
  let xml: string;
  try {
    if (statSync(opts.file).size > MAX_ODM_IMPORT_CHARS)
      return context.fail(appError('VALIDATION_FAILED', 'The ODM file is larger than 32 MiB.'), json);
    xml = readFileSync(opts.file, 'utf8');
  } catch {
    return context.fail(appError('NOT_FOUND', 'The import file does not exist or cannot be read.'), json);
  }
  const result = await vault.exports.importOdm(CLI_ACTOR, studyId, {
    xml,
    reason: opts.reason,
    ...(opts.site === undefined ? {} : { site: opts.site }),
  });
  context.report(
    result,
    json,
    (r) =>
      `Imported ODM ${r.file} (sha256 ${r.sha256.slice(0, 16)}...): ${r.participantsCreated} participants created, ${r.recordsCreated} records created, ${r.recordsUpdated} updated, ${r.recordsUnchanged} unchanged; ${r.canariesRemoved} canaries of export ${r.sourceExport ?? '(not made here)'} left out.`,
  );
}
