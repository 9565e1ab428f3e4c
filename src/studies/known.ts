import { trustRow, trustRows } from '../authz/row-tamper.js';
import { missingRow, rowForChange, trustRowOn } from '../authz/tamper-in-tx.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { readSealedRow, rowTampered } from '../ledger/row-seal-store.js';
import { onPostgres } from '../storage/dialect.js';
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

/** The study row of an id or protocol id, when its MAC holds; undefined when there is none (review s13). */
export async function checkedStudy(
  deps: VaultDeps,
  idOrProtocol: string,
): Promise<Result<repo.StudyRow | undefined>> {
  return trustRow(deps, STUDIES, await repo.findStudy(deps.db, idOrProtocol));
}

/** The site row of an id or code, when its MAC holds; undefined when there is none (review s13, H4). */
export async function checkedSite(
  deps: VaultDeps,
  studyId: string,
  idOrCode: string,
): Promise<Result<repo.SiteRow | undefined>> {
  return trustRow(deps, SITES, await repo.findSite(deps.db, studyId, idOrCode));
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
  // On PostgreSQL the row is held (`for share`) until the write commits: a close at the same moment
  // waits for it, or the write sees the study closed (review s13). SQLite has one writer at a time.
  const stored =
    db.isTransaction && onPostgres(db)
      ? ((await readSealedRow(db, STUDIES, [studyId], 'share')) as repo.StudyRow | undefined)
      : await repo.findStudyById(db, studyId);
  // The caller's row names the study, so its row was deleted in SQL: tampering, reported (review
  // s13, H3: a missing row was taken for an open study, and a closed study took records again).
  if (stored === undefined) return missingRow(deps, db, STUDIES, [studyId]);
  const row = await trustRowOn(deps, db, STUDIES, stored);
  if (!row.ok) return row;
  return row.value?.status === 'closed' ? err(STUDY_CLOSED_ERROR) : ok(null);
}

/**
 * The study row inside a transaction that changes it (its status, its title): locked, checked, and a
 * row deleted in SQL refused like a forged one (review s13, H2/H3).
 */
export async function studyForChange(
  deps: VaultDeps,
  trx: VaultDeps['db'],
  studyId: string,
): Promise<Result<repo.StudyRow>> {
  const stored = await rowForChange<repo.StudyRow>(deps, trx, STUDIES, [studyId]);
  if (!stored.ok) return stored;
  return stored.value === undefined ? err(rowTampered(STUDIES.table)) : ok(stored.value);
}
