import { trustRowsOn } from '../authz/tamper-in-tx.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { VaultDeps } from '../vault/deps.js';
import { PARTICIPANTS } from './participants-bindings.js';
import * as repo from './repo.js';

/** The participants row as stored: the joined site code is not part of what its MAC covers. */
function stored(row: repo.ParticipantWithSite) {
  const { site_code: _site, ...own } = row;
  return own;
}

/**
 * Participant rows as read on `db`, checked before their site, status or erasure decides anything
 * (issue #17): a row changed in SQL (moved to another site, un-erased, re-enrolled) is refused with
 * ROW_TAMPERED and reported, never honoured.
 */
export async function trustParticipants(
  deps: VaultDeps,
  db: VaultDeps['db'],
  rows: readonly repo.ParticipantWithSite[],
): Promise<Result<readonly repo.ParticipantWithSite[]>> {
  const checked = await trustRowsOn(deps, db, PARTICIPANTS, rows.map(stored));
  return checked.ok ? ok(rows) : checked;
}

/** One participant by id, checked; NOT_FOUND when there is none. */
export async function knownParticipant(
  deps: VaultDeps,
  id: string,
  db: VaultDeps['db'] = deps.db,
): Promise<Result<repo.ParticipantWithSite>> {
  const row = await repo.findParticipant(db, id);
  if (row === undefined) return err(appError('NOT_FOUND', 'No such participant.'));
  const checked = await trustParticipants(deps, db, [row]);
  return checked.ok ? ok(row) : checked;
}

/** One participant by subject id, checked; undefined when there is none. */
export async function participantBySubject(
  deps: VaultDeps,
  studyId: string,
  subjectId: string,
  db: VaultDeps['db'] = deps.db,
): Promise<Result<repo.ParticipantWithSite | undefined>> {
  const row = await repo.findBySubject(db, studyId, subjectId);
  if (row === undefined) return ok(undefined);
  const checked = await trustParticipants(deps, db, [row]);
  return checked.ok ? ok(row) : checked;
}
