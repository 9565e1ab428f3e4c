import { trustRow, trustRows } from '../authz/row-tamper.js';
import { trustRowOn } from '../authz/tamper-in-tx.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { VaultDeps } from '../vault/deps.js';
import * as repo from './repo.js';
import { SITES, STUDIES } from './studies-bindings.js';

/**
 * The study and site rows a request acts on, checked before use (issue #17): a status, title or
 * protocol id changed in SQL is refused with ROW_TAMPERED (reported: audit event and alert), never
 * honoured. Callers outside a transaction only (the report commits on its own).
 */
export async function knownStudy(deps: VaultDeps, idOrProtocol: string): Promise<Result<repo.StudyRow>> {
  const found = await trustRow(deps, STUDIES, await repo.findStudy(deps.db, idOrProtocol));
  if (!found.ok) return found;
  return found.value === undefined ? err(appError('NOT_FOUND', 'No such study.')) : ok(found.value);
}

export async function knownSite(
  deps: VaultDeps,
  studyId: string,
  idOrCode: string,
): Promise<Result<repo.SiteRow>> {
  const found = await trustRow(deps, SITES, await repo.findSite(deps.db, studyId, idOrCode));
  if (!found.ok) return found;
  return found.value === undefined
    ? err(appError('NOT_FOUND', 'No such site in the study.'))
    : ok(found.value);
}

export async function knownSites(deps: VaultDeps, studyId: string): Promise<Result<readonly repo.SiteRow[]>> {
  return trustRows(deps, SITES, await repo.listSites(deps.db, studyId));
}

export const STUDY_CLOSED_ERROR = appError('STUDY_CLOSED', 'The study is closed: it takes no more changes.');

/**
 * Refuses a write into a closed study (records, enrolment, forms, schedule, sites): read again inside
 * the writing transaction, so a study closed meanwhile takes nothing more. Reads stay allowed. The row
 * is checked first (issue #17): a closed study reopened in SQL is ROW_TAMPERED, never written into.
 */
export async function refuseClosed(
  deps: VaultDeps,
  db: VaultDeps['db'],
  studyId: string,
): Promise<Result<null>> {
  const row = await trustRowOn(deps, db, STUDIES, await repo.findStudyById(db, studyId));
  if (!row.ok) return row;
  return row.value?.status === 'closed' ? err(STUDY_CLOSED_ERROR) : ok(null);
}
