import { z } from 'zod';
import type { Authorizer } from '../authz/authorizer.js';
import { trustRows } from '../authz/row-tamper.js';
import { trustRowOn } from '../authz/tamper-in-tx.js';
import type { Actor } from '../core/actor.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';
import { knownStudy } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import { MEDIA_TYPES } from './dictionary/dictionary.js';
import { readDictionary, writeDictionary } from './dictionary/dictionary-io.js';
import type { FormDefinition } from './form-definition.js';
import { openForDesign, saveDraft } from './form-drafts.js';
import { FORM_VERSIONS, FORMS } from './forms-bindings.js';
import {
  DICTIONARY_FORMATS,
  type DictionaryExport,
  type DictionaryFormat,
  type DictionaryImport,
} from './forms-view.js';

/** The body of an import: the file as text, and its format when the content should not decide. */
export const importBody = z.strictObject({
  content: z.string().min(1).max(2_000_000).describe('The dictionary file: JSON, REDCap CSV or ODM XML'),
  format: z.enum(DICTIONARY_FORMATS).optional().describe('Chosen by content when absent'),
});

import * as repo from './repo.js';

/**
 * Imports a data dictionary as drafts, all or nothing: every form of it is checked first, and one bad
 * line, path or element refuses the whole (DICTIONARY_INVALID naming each place); nothing changes.
 */
export async function importDictionary(
  deps: VaultDeps,
  authorizer: Authorizer,
  actor: Actor,
  studyId: string,
  input: unknown,
): Promise<Result<DictionaryImport>> {
  const known = await knownStudy(deps, studyId);
  if (!known.ok) return known;
  const permit = await authorizer.authorize(actor, 'form.manage', { studyId: known.value.id });
  if (!permit.ok) return permit;
  const study = openForDesign(known.value);
  if (!study.ok) return study;
  const body = importBody.safeParse(input);
  if (!body.success) return err(invalidInput(body.error, 'The import request is invalid.'));
  const read = readDictionary(body.data.content, body.data.format);
  if (!read.ok) return read;
  return transact(deps.db, async (trx) => {
    const drafts: DictionaryImport['drafts'][number][] = [];
    for (const definition of read.value.forms) {
      const saved = await saveDraft(deps, trx, actor, study.value, definition);
      if (!saved.ok) return saved;
      drafts.push({ oid: saved.value.oid, version: saved.value.version, created: saved.value.created });
    }
    await appendAuditEvent(trx, deps, {
      actor,
      action: 'form.import',
      studyId: study.value.id,
      details: { format: read.value.format, forms: drafts.map((d) => `${d.oid}@${d.version}`) },
    });
    return ok({ format: read.value.format, drafts });
  });
}

/** The latest version of every form of the study as a data dictionary (form.manage). */
export async function exportDictionary(
  deps: VaultDeps,
  authorizer: Authorizer,
  actor: Actor,
  studyId: string,
  format: DictionaryFormat,
): Promise<Result<DictionaryExport>> {
  const known = await knownStudy(deps, studyId);
  if (!known.ok) return known;
  const study = known.value;
  const permit = await authorizer.authorize(actor, 'form.manage', { studyId: study.id });
  if (!permit.ok) return permit;
  const forms = await trustRows(deps, FORMS, await repo.studyForms(deps.db, study.id));
  if (!forms.ok) return forms;
  const definitions: FormDefinition[] = [];
  for (const form of forms.value) {
    const last = await trustRowOn(deps, deps.db, FORM_VERSIONS, await repo.latestVersion(deps.db, form.id));
    if (!last.ok) return last;
    if (last.value !== undefined) definitions.push(JSON.parse(last.value.definition) as FormDefinition);
  }
  const at = deps.clock
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const content = writeDictionary(
    format,
    { protocolId: study.protocol_id, title: study.title },
    definitions,
    at,
  );
  const extension = format === 'odm' ? 'xml' : format;
  return ok({
    format,
    mediaType: MEDIA_TYPES[format],
    filename: `${study.protocol_id}-forms.${extension}`,
    forms: definitions.map((d) => d.oid),
    content,
  });
}
